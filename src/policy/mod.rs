//! The IAM policy language (parse, three-valued evaluation, explanations).
//! Hops H9, H13 and H14 use it; until it lands they answer `unknown`.
