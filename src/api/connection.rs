//! Relay-style pagination over in-memory lists: opaque cursors, `first` and
//! `after`, `pageInfo` and `totalCount`.

use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;

/// The page size when `first` is omitted or null.
pub const DEFAULT_PAGE: i32 = 50;

const CURSOR_PREFIX: &str = "civgraph:";

/// Where a page of a connection stands in the whole list.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// Whether items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the page's first item.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last item: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// The cursor of the item at `offset` of a list drawn from the data
/// identified by `data_id`.
pub fn cursor(data_id: u64, offset: usize) -> String {
    // `civgraph:<u64>:<u64>` fits in 49 bytes; written without `format!`
    // (a page writes one per item).
    let mut text = [0u8; 64];
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        text[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    put(CURSOR_PREFIX.as_bytes());
    put(itoa::Buffer::new().format(data_id).as_bytes());
    put(b":");
    put(itoa::Buffer::new().format(offset).as_bytes());
    URL_SAFE_NO_PAD.encode(&text[..len])
}

/// The data and the offset a cursor names.
fn decode(cursor: &str) -> Option<(u64, usize)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (data_id, offset) = text.strip_prefix(CURSOR_PREFIX)?.split_once(':')?;
    Some((data_id.parse().ok()?, offset.parse().ok()?))
}

/// A page cut from a list: `items` start at `offset` in the whole list,
/// drawn from the data identified by `data_id` ([`Graph::data_id`](crate::graph::Graph::data_id)).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub offset: usize,
    pub total: usize,
    pub data_id: u64,
}

impl<T> Page<T> {
    /// Checks `first` and `after` and cuts the page out of `all`, drawn from
    /// the data identified by `data_id`.
    pub fn cut(
        all: Vec<T>,
        first: Option<i32>,
        after: Option<&str>,
        data_id: u64,
    ) -> Result<Page<T>, ApiError> {
        Page::cut_from(all.len(), all, first, after, data_id)
    }

    /// Checks `first` and `after` and cuts the page out of `all`, which
    /// holds `total` items: only the items up to the page's end are read.
    ///
    /// A cursor names a position in a list drawn from some data: in other
    /// data (after a reload) the same position may hold another item, so a
    /// cursor from other data is refused (the client starts again) rather
    /// than skipping or repeating items.
    pub fn cut_from(
        total: usize,
        all: impl IntoIterator<Item = T>,
        first: Option<i32>,
        after: Option<&str>,
        data_id: u64,
    ) -> Result<Page<T>, ApiError> {
        Page::cut_after(
            total,
            |offset| all.into_iter().skip(offset),
            first,
            after,
            data_id,
        )
    }

    /// [`Page::cut_from`], where `all(offset)` gives the items from the
    /// page's start on: for lists whose items are made as they are read,
    /// so that those before the page are passed over, not made.
    pub fn cut_after<I: IntoIterator<Item = T>>(
        total: usize,
        all: impl FnOnce(usize) -> I,
        first: Option<i32>,
        after: Option<&str>,
        data_id: u64,
    ) -> Result<Page<T>, ApiError> {
        let first = check_first(first.unwrap_or(DEFAULT_PAGE))?;
        let offset = match after.map(|c| (c, decode(c))) {
            None => 0,
            Some((_, Some((made, at)))) if made == data_id && at < total => at + 1,
            Some((c, Some((made, _)))) if made != data_id => {
                return Err(ApiError::bad_input(format!(
                    "`after: \"{c}\"` is a cursor of other data (the data was reloaded \
                     since it was given): ask for the first page again (without `after`)"
                )))
            }
            Some((c, _)) => {
                return Err(ApiError::bad_input(format!(
                    "`after: \"{c}\"` is not a cursor of this list: pass a `cursor` or `endCursor` from a previous page"
                )))
            }
        };
        let items: Vec<T> = all(offset).into_iter().take(first).collect();
        Ok(Page {
            items,
            offset,
            total,
            data_id,
        })
    }

    /// The `pageInfo` of this page.
    pub fn page_info(&self) -> PageInfo {
        let end = self.offset + self.items.len();
        PageInfo {
            has_next_page: end < self.total,
            has_previous_page: self.offset > 0,
            start_cursor: (!self.items.is_empty()).then(|| cursor(self.data_id, self.offset)),
            end_cursor: (!self.items.is_empty()).then(|| cursor(self.data_id, end - 1)),
        }
    }

    /// Each item with its cursor.
    pub fn with_cursors(self) -> impl Iterator<Item = (String, T)> {
        let (offset, data_id) = (self.offset, self.data_id);
        self.items
            .into_iter()
            .enumerate()
            .map(move |(i, item)| (cursor(data_id, offset + i), item))
    }
}

/// Checks a `first` argument: 0 to [`MAX_PAGE`].
pub fn check_first(first: i32) -> Result<usize, ApiError> {
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input(format!(
            "`first` must be between 0 and {MAX_PAGE}, got {first}"
        )));
    }
    Ok(first as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_encodes_its_data_and_offset() {
        for (data_id, offset) in [(0, 0), (7, 12), (u64::MAX, usize::MAX)] {
            let text = format!("civgraph:{data_id}:{offset}");
            assert_eq!(cursor(data_id, offset), URL_SAFE_NO_PAD.encode(text));
            assert_eq!(decode(&cursor(data_id, offset)), Some((data_id, offset)));
        }
    }

    #[test]
    fn pages_walk_the_whole_list_once() {
        let all: Vec<u32> = (0..23).collect();
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = Page::cut(all.clone(), Some(5), after.as_deref(), 7).unwrap();
            let info = page.page_info();
            seen.extend(page.items.iter().copied());
            if !info.has_next_page {
                break;
            }
            after = info.end_cursor;
        }
        assert_eq!(seen, all);
    }

    #[test]
    fn bad_cursors_and_sizes_are_rejected() {
        let cut = |all: Vec<u32>, first, after: Option<&str>| Page::cut(all, first, after, 7);
        assert!(cut(vec![1], Some(5), Some("nonsense")).is_err());
        assert!(cut(vec![1], Some(5), Some(&cursor(7, 1))).is_err());
        assert!(cut(vec![1], Some(5), Some(&cursor(7, usize::MAX))).is_err());
        assert!(cut(vec![1], Some(5), Some(&cursor(7, 0)))
            .unwrap()
            .items
            .is_empty());
        assert!(cut(vec![1], Some(101), None).is_err());
        assert!(cut(vec![1], Some(-1), None).is_err());
        let page = cut(vec![1, 2], Some(0), None).unwrap();
        assert!(page.items.is_empty());
        assert!(page.page_info().has_next_page);
    }

    #[test]
    fn a_cursor_from_another_snapshot_is_refused_with_a_way_on() {
        let first = Page::cut(vec![1, 2, 3], Some(1), None, 7).unwrap();
        let after = first.page_info().end_cursor.unwrap();
        assert_eq!(
            Page::cut(vec![1, 2, 3], Some(1), Some(&after), 7)
                .unwrap()
                .items,
            [2]
        );
        let err = Page::cut(vec![1, 2, 3], Some(1), Some(&after), 8).unwrap_err();
        let ApiError::BadUserInput(message) = err;
        assert!(message.contains("reloaded"), "{message}");
    }
}
