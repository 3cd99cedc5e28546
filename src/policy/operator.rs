//! Condition operator names (IAM-CONDOP, IAM-MULTI): a base operator, an
//! optional `IfExists` suffix and an optional `ForAnyValue:`/`ForAllValues:`
//! set qualifier.

/// The value type an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// How two ordered values must compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

macro_rules! bases {
    ($($name:ident => $family:ident, $negated:expr, $cmp:ident;)*) => {
        /// A condition operator without qualifier or `IfExists`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Base { $($name,)* }
        impl Base {
            pub const ALL: &'static [Base] = &[$(Base::$name,)*];
            pub fn name(&self) -> &'static str {
                match self { $(Base::$name => stringify!($name),)* }
            }
            pub fn family(&self) -> Family {
                match self { $(Base::$name => Family::$family,)* }
            }
            /// Negated operators: true when the key is missing, and their
            /// values combine with AND (IAM-CONDOP, IAM-MULTI).
            pub fn negated(&self) -> bool {
                match self { $(Base::$name => $negated,)* }
            }
            pub(crate) fn cmp(&self) -> Cmp {
                match self { $(Base::$name => Cmp::$cmp,)* }
            }
        }
    };
}

bases! {
    StringEquals => String, false, Eq;
    StringNotEquals => String, true, Eq;
    StringEqualsIgnoreCase => String, false, Eq;
    StringNotEqualsIgnoreCase => String, true, Eq;
    StringLike => String, false, Eq;
    StringNotLike => String, true, Eq;
    NumericEquals => Numeric, false, Eq;
    NumericNotEquals => Numeric, true, Eq;
    NumericLessThan => Numeric, false, Lt;
    NumericLessThanEquals => Numeric, false, Le;
    NumericGreaterThan => Numeric, false, Gt;
    NumericGreaterThanEquals => Numeric, false, Ge;
    DateEquals => Date, false, Eq;
    DateNotEquals => Date, true, Eq;
    DateLessThan => Date, false, Lt;
    DateLessThanEquals => Date, false, Le;
    DateGreaterThan => Date, false, Gt;
    DateGreaterThanEquals => Date, false, Ge;
    Bool => Bool, false, Eq;
    BinaryEquals => Binary, false, Eq;
    IpAddress => Ip, false, Eq;
    NotIpAddress => Ip, true, Eq;
    ArnEquals => Arn, false, Eq;
    ArnLike => Arn, false, Eq;
    ArnNotEquals => Arn, true, Eq;
    ArnNotLike => Arn, true, Eq;
    Null => Null, false, Eq;
}

impl Base {
    /// String comparisons that fold case.
    pub(crate) fn ignore_case(&self) -> bool {
        matches!(
            self,
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase
        )
    }
    /// String comparisons with `*` and `?`.
    pub(crate) fn like(&self) -> bool {
        matches!(self, Base::StringLike | Base::StringNotLike)
    }
    /// Policy variables are substituted only for string, ARN and Bool
    /// operators (IAM-VARS, rulebook §4.5).
    pub(crate) fn takes_variables(&self) -> bool {
        matches!(self.family(), Family::String | Family::Arn | Family::Bool)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    ForAnyValue,
    ForAllValues,
}

/// A parsed condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub qualifier: Option<Qualifier>,
    pub base: Base,
    pub if_exists: bool,
}

impl Operator {
    /// Parse an operator name. Names are matched without regard to case, as
    /// a document AWS accepted is being read, not validated.
    pub fn parse(name: &str) -> Result<Operator, String> {
        let (qualifier, rest) = match name.split_once(':') {
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => {
                (Some(Qualifier::ForAnyValue), rest)
            }
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => {
                (Some(Qualifier::ForAllValues), rest)
            }
            Some((q, _)) => {
                return Err(format!(
                    "unknown set qualifier {q:?} (expected ForAnyValue or ForAllValues)"
                ))
            }
            None => (None, name),
        };
        let lower = rest.to_ascii_lowercase();
        let (base_name, if_exists) = match lower.strip_suffix("ifexists") {
            Some(b) => (b, true),
            None => (lower.as_str(), false),
        };
        let base = Base::ALL
            .iter()
            .find(|b| b.name().eq_ignore_ascii_case(base_name))
            .copied()
            .ok_or_else(|| format!("unknown condition operator {name:?}"))?;
        if base == Base::Null && (if_exists || qualifier.is_some()) {
            return Err(format!(
                "{name:?}: Null takes neither IfExists nor a set qualifier"
            ));
        }
        Ok(Operator {
            qualifier,
            base,
            if_exists,
        })
    }

    /// The canonical spelling.
    pub fn name(&self) -> String {
        let q = match self.qualifier {
            Some(Qualifier::ForAnyValue) => "ForAnyValue:",
            Some(Qualifier::ForAllValues) => "ForAllValues:",
            None => "",
        };
        let e = if self.if_exists { "IfExists" } else { "" };
        format!("{q}{}{e}", self.base.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Base::ALL {
            let op = Operator::parse(b.name()).unwrap();
            assert_eq!(op.base, *b);
            assert_eq!(op.name(), b.name());
        }
        let op = Operator::parse("ForAllValues:StringNotEqualsIfExists").unwrap();
        assert_eq!(op.qualifier, Some(Qualifier::ForAllValues));
        assert!(op.if_exists && op.base.negated());
        assert!(Operator::parse("StringEqual").is_err());
        assert!(Operator::parse("NullIfExists").is_err());
        assert!(Operator::parse("ForSomeValues:StringEquals").is_err());
    }
}
