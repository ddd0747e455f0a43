//! Every item of a paginated operation as a [`Stream`].
//!
//! Each operation that pages (regen marks it `x-genauth-pagination` in the spec: page and limit
//! in the query, in the body, or in the body's `options.pagination`, with `data.list` and
//! usually `data.totalCount` in the answer) has an `into_stream()` on its request builder:
//!
//! ```no_run
//! # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
//! use futures::TryStreamExt as _; // or futures_util
//! use genauth::prelude::*;
//!
//! let mut roles = client.list_roles().limit(100).into_stream().max_items(1_000);
//! while let Some(role) = roles.try_next().await? {
//!     println!("{}", role.code);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Pages are numbered from 1 and fetched one at a time, only when the stream is polled past
//! the items it holds. The stream ends after a page that is empty, shorter than the first
//! page, or that brings the count to `totalCount`; or when [`Pages::max_items`] is reached. A
//! failed page is one `Err` item, after which the stream ends. Each page is an ordinary call:
//! signed, retried and timed as the client is configured.
//!
//! A stream always ends, whatever the server answers:
//! - `totalCount` is trusted only when the answer carries one: a total below the items already
//!   received (a missing total decodes as 0) is ignored, and the page lengths decide.
//! - A page with the same items as the page before (a server that ignores the page number)
//!   ends the stream with [`Error::Pagination`] instead of looping.
//! - At most [`DEFAULT_MAX_PAGES`] pages are fetched per stream ([`Pages::max_pages`] changes
//!   it); a stream that needs more ends with [`Error::Pagination`], never silently.

use std::pin::Pin;
use std::task::{Context, Poll};

use std::hash::{Hash as _, Hasher as _};

use futures_core::Stream;
use futures_core::future::BoxFuture;

use crate::Error;

/// How many pages one stream fetches at most, unless [`Pages::max_pages`] says otherwise:
/// 10,000 pages (a million items at 100 a page).
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// One page: its items and, when the API reports it, the total number of items.
pub(crate) struct Page<T> {
    items: Vec<T>,
    total: Option<i64>,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, total: Option<i64>) -> Self {
        Self { items, total }
    }
}

/// A page's `totalCount` as a count, whatever type the spec gives it.
pub(crate) trait Total {
    /// The count, when there is one that makes sense.
    fn total(self) -> Option<i64>;
}

impl Total for i64 {
    fn total(self) -> Option<i64> {
        Some(self)
    }
}

impl Total for f64 {
    fn total(self) -> Option<i64> {
        (self.is_finite() && self >= 0.0).then_some(self as i64)
    }
}

impl Total for String {
    fn total(self) -> Option<i64> {
        self.trim().parse().ok()
    }
}

impl<T: Total> Total for Option<T> {
    fn total(self) -> Option<i64> {
        self.and_then(Total::total)
    }
}

type Fetch<'a, T> = Box<dyn Fn(i64) -> BoxFuture<'a, Result<Page<T>, Error>> + Send + Sync + 'a>;

/// The items of every page of one paginated call; see the [module docs](self).
#[must_use = "a stream does nothing unless polled"]
pub struct Pages<'a, T> {
    fetch: Fetch<'a, T>,
    next_page: i64,
    in_flight: Option<BoxFuture<'a, Result<Page<T>, Error>>>,
    buffered: std::vec::IntoIter<T>,
    first_page_len: Option<usize>,
    fetched: u64,
    yielded: u64,
    max_items: Option<u64>,
    max_pages: u64,
    pages: u64,
    /// A fingerprint of the previous page's items, to notice a page served again.
    previous: Option<u64>,
    last_page: bool,
    done: bool,
}

// No field is pinned structurally: the futures are boxed and the items only moved out.
impl<T> Unpin for Pages<'_, T> {}

impl<'a, T> Pages<'a, T> {
    pub(crate) fn new(
        fetch: impl Fn(i64) -> BoxFuture<'a, Result<Page<T>, Error>> + Send + Sync + 'a,
    ) -> Self {
        Self {
            fetch: Box::new(fetch),
            next_page: 1,
            in_flight: None,
            buffered: Vec::new().into_iter(),
            first_page_len: None,
            fetched: 0,
            yielded: 0,
            max_items: None,
            max_pages: DEFAULT_MAX_PAGES,
            pages: 0,
            previous: None,
            last_page: false,
            done: false,
        }
    }

    /// Stops after `cap` items, without fetching pages beyond them.
    pub fn max_items(mut self, cap: u64) -> Self {
        self.max_items = Some(cap);
        self
    }

    /// Fetches at most `cap` pages (at least one); a stream that would need more ends with
    /// [`Error::Pagination`]. The default is [`DEFAULT_MAX_PAGES`].
    pub fn max_pages(mut self, cap: u64) -> Self {
        self.max_pages = cap.max(1);
        self
    }
}

impl<T: serde::Serialize> Pages<'_, T> {
    /// The next item, `Ok(None)` once the stream has ended, or the error that ended it.
    ///
    /// The same as `futures::TryStreamExt::try_next`, without needing that trait in scope:
    ///
    /// ```no_run
    /// # use genauth::prelude::*;
    /// # async fn run(client: genauth::ManagementClient) -> Result<(), genauth::Error> {
    /// let mut users = client.list_users().into_stream();
    /// while let Some(user) = users.try_next().await? {
    ///     println!("{}", user.user_id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn try_next(&mut self) -> Result<Option<T>, Error> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

/// A fingerprint of a page's items: their JSON, hashed.
fn fingerprint<T: serde::Serialize>(items: &[T]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match serde_json::to_vec(items) {
        Ok(json) => json.hash(&mut hasher),
        // Not representable as JSON: never equal to another page.
        Err(_) => return rand::random(),
    }
    hasher.finish()
}

impl<T> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("next_page", &self.next_page)
            .field("yielded", &self.yielded)
            .field("max_items", &self.max_items)
            .field("max_pages", &self.max_pages)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: serde::Serialize> Stream for Pages<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done || this.max_items.is_some_and(|cap| this.yielded >= cap) {
                this.done = true;
                return Poll::Ready(None);
            }
            if let Some(item) = this.buffered.next() {
                this.yielded += 1;
                return Poll::Ready(Some(Ok(item)));
            }
            if this.last_page {
                this.done = true;
                return Poll::Ready(None);
            }
            let page = this.next_page;
            if this.in_flight.is_none() && this.pages >= this.max_pages {
                this.done = true;
                return Poll::Ready(Some(Err(Error::Pagination(format!(
                    "stopped before page {page}: the stream has fetched its limit of {} pages (see max_pages)",
                    this.max_pages
                )))));
            }
            let fetch = &this.fetch;
            let future = this.in_flight.get_or_insert_with(|| fetch(page));
            let result = match future.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            };
            this.in_flight = None;
            match result {
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Ok(Page { items, total }) => {
                    this.pages += 1;
                    let len = items.len();
                    if len > 0 {
                        let print = fingerprint(&items);
                        if this.previous == Some(print) {
                            this.done = true;
                            return Poll::Ready(Some(Err(Error::Pagination(format!(
                                "page {page} has the same {len} items as page {}: the server \
                                 does not seem to honour the page number",
                                page - 1
                            )))));
                        }
                        this.previous = Some(print);
                    }
                    let first = *this.first_page_len.get_or_insert(len);
                    this.fetched += len as u64;
                    this.next_page = this.next_page.saturating_add(1);
                    // A total below what has arrived is absent (decoded as 0) or wrong.
                    let total = total
                        .and_then(|t| u64::try_from(t).ok())
                        .filter(|t| *t >= this.fetched);
                    this.last_page =
                        len == 0 || len < first || total.is_some_and(|t| this.fetched >= t);
                    this.buffered = items.into_iter();
                }
            }
        }
    }
}
