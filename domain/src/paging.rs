//! Offset paging, shared by every listing that pages (people, apps, the audit log), so
//! "is there a next page" and "where does the previous one start" are decided once.

/// The offset of the page after the one at `offset` of `limit` rows, when `total` rows
/// match and some are left.
pub(crate) fn next_offset(offset: i64, limit: i64, total: i64) -> Option<i64> {
    let next = offset + limit;
    (next < total).then_some(next)
}

/// The offset of the page before the one at `offset`, unless that is the first; never
/// below 0 (an offset between pages leads back to the first).
pub(crate) fn previous_offset(offset: i64, limit: i64) -> Option<i64> {
    (offset > 0).then(|| (offset - limit).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_page_exists_only_while_rows_are_left() {
        assert_eq!(next_offset(0, 50, 120), Some(50));
        assert_eq!(next_offset(50, 50, 120), Some(100));
        assert_eq!(next_offset(100, 50, 120), None);
        assert_eq!(next_offset(50, 50, 100), None);
    }

    #[test]
    fn the_previous_page_stops_at_the_first() {
        assert_eq!(previous_offset(0, 50), None);
        assert_eq!(previous_offset(100, 50), Some(50));
        assert_eq!(previous_offset(20, 50), Some(0));
    }
}
