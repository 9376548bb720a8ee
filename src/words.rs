//! Words for counts in messages, so that one trial is not "1 trials".

/// `n` followed by the singular or the plural noun, as `n` asks.
pub fn count(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u32, "trial", "trials"), "1 trial");
        assert_eq!(count(0u32, "trial", "trials"), "0 trials");
        assert_eq!(count(2u64, "trial", "trials"), "2 trials");
    }
}
