//! Policies parsed once per world. A trace reads the same documents every
//! time (endpoint, resource, identity, trust and function policies); each
//! text is parsed on first use and kept with the world, so later traces only
//! evaluate.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::model::World;
use crate::policy::{self, ParseError, ParseOptions, Policy, ShortForm};

/// A parsed document, or why it could not be read.
pub type Parsed = Arc<Result<Policy, ParseError>>;

/// Keyed by the short-form expansion (resource policies only) and the text.
#[derive(Default)]
pub struct PolicyCache {
    map: RwLock<HashMap<Option<ShortForm>, HashMap<String, Parsed>>>,
}

/// `text` parsed with `opts`, from the world's cache when it was parsed before.
pub fn parsed(world: &World, text: &str, opts: &ParseOptions) -> Parsed {
    let Some(cache) = world.derived::<PolicyCache>() else {
        return Arc::new(policy::parse(text, opts));
    };
    if let Ok(m) = cache.map.read() {
        if let Some(p) = m
            .get(&opts.short_form)
            .and_then(|by_text| by_text.get(text))
        {
            return Arc::clone(p);
        }
    }
    let p: Parsed = Arc::new(policy::parse(text, opts));
    // A poisoned lock only loses the memo, never the answer.
    if let Ok(mut m) = cache.map.write() {
        m.entry(opts.short_form.clone())
            .or_default()
            .insert(text.to_string(), Arc::clone(&p));
    }
    p
}

/// `text` parsed with the default options.
pub fn parsed_default(world: &World, text: &str) -> Parsed {
    parsed(world, text, &ParseOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_per_world() {
        let world = crate::demo::world().unwrap();
        let text =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let a = parsed_default(&world, text);
        let b = parsed_default(&world, text);
        assert!(Arc::ptr_eq(&a, &b), "the second use reuses the first parse");
        assert!(a.is_ok());
        let bad = parsed_default(&world, "{not json");
        assert!(bad.is_err());
        assert!(Arc::ptr_eq(&bad, &parsed_default(&world, "{not json")));
        // Another world has its own cache.
        let other = crate::demo::world().unwrap();
        assert!(!Arc::ptr_eq(&a, &parsed_default(&other, text)));
    }
}
