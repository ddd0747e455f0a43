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
//! the items it holds. Each page is an ordinary call: signed, retried and timed as the client
//! is configured. The stream owns what it needs (a clone of the client and the request's
//! settings), so it can be moved into a spawned task. A failed page is one `Err` item, after
//! which the stream ends.
//!
//! # When the stream ends
//!
//! A server may serve fewer items per page than the `limit` asked for (a cap of its own), so
//! the length of a page alone never says the listing is over. The rule:
//! - **A `totalCount` that counts decides.** The stream goes on until it has received that
//!   many items, whatever the length of each page. A page's `totalCount` counts when it is a
//!   non-negative integer (a number, or a number in a string) and at least the number of items
//!   received so far, that page's included. Anything else is ignored: absent, negative,
//!   fractional, or below what has already arrived (a missing `totalCount` decodes as 0 in the
//!   typed answers). When the totals that count differ from page to page (items were added or
//!   removed during the walk), the latest one is the one the stream goes by; a page whose
//!   total is ignored keeps the one before.
//! - **Without one**, a page shorter than the first page is the last.
//! - **An empty page** ends the stream. If a `totalCount` counts and fewer items than it have
//!   arrived, the listing ended early: the stream ends with [`Error::Pagination`] saying how
//!   many of how many items were served, after the items it received, never silently.
//! - [`Pages::max_items`] ends it after that many items, without fetching more pages.
//!
//! And a stream always ends, whatever the server answers:
//! - A page with the same items as the page before (a server that ignores the page number)
//!   ends the stream with [`Error::Pagination`] instead of looping.
//! - At most [`DEFAULT_MAX_PAGES`] pages are fetched per stream ([`Pages::max_pages`] changes
//!   it); a stream that needs more ends with [`Error::Pagination`], never silently.
//!
//! # Your own pages
//!
//! [`Pages::from_fn`] applies the same rule to pages you fetch yourself (a raw
//! [`request`](crate::ManagementClient::request), another API): give it a function from a page
//! number to a [`Page`]. The `genauth pages` command walks its pages this way.

use std::future::Future;
use std::hash::{Hash as _, Hasher as _};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::future::BoxFuture;

use crate::Error;

/// How many pages one stream fetches at most, unless [`Pages::max_pages`] says otherwise:
/// 10,000 pages (a million items at 100 a page).
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// One page, as the fetch function of [`Pages::from_fn`] returns it: its items and the
/// answer's `totalCount`, when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items, in order.
    pub items: Vec<T>,
    /// The total number of items of the listing, as the answer states it (`totalCount`);
    /// `None` when it has none. Whether the stream goes by it is the [module's](self) rule.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page of `items`, with the listing's `total` when the answer states one.
    pub fn new(items: Vec<T>, total: Option<u64>) -> Self {
        Self { items, total }
    }
}

/// A page's `totalCount` as a count, whatever type the spec gives it: a non-negative
/// integer, or `None`.
pub(crate) trait Total {
    /// The count, when there is one that makes sense.
    fn total(self) -> Option<u64>;
}

impl Total for i64 {
    fn total(self) -> Option<u64> {
        u64::try_from(self).ok()
    }
}

impl Total for f64 {
    fn total(self) -> Option<u64> {
        // `u64::MAX as f64` is 2^64: every integral value below it fits a u64.
        let integral = self.is_finite() && self >= 0.0 && self.fract() == 0.0;
        (integral && self < u64::MAX as f64).then_some(self as u64)
    }
}

impl Total for &str {
    fn total(self) -> Option<u64> {
        self.trim().parse().ok()
    }
}

impl Total for String {
    fn total(self) -> Option<u64> {
        self.as_str().total()
    }
}

/// A `totalCount` read from an answer's JSON as the typed streams read it, for a
/// [`Pages::from_fn`] fetch over untyped answers: a non-negative integer (an integral float
/// such as `12.0` included) or such a number in a string; `None` for anything else.
pub fn total_count(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(Total::total)),
        serde_json::Value::String(s) => s.as_str().total(),
        _ => None,
    }
}

impl<T: Total> Total for Option<T> {
    fn total(self) -> Option<u64> {
        self.and_then(Total::total)
    }
}

type Fetch<'a, T> = Box<dyn Fn(i64) -> BoxFuture<'a, Result<Page<T>, Error>> + Send + Sync + 'a>;

/// The items of every page of one paginated call; see the [module docs](self).
///
/// The `into_stream()` of an operation gives a `Pages<'static, T>`: it borrows nothing, so it
/// can be moved into a spawned task. [`Pages::from_fn`] gives a stream that lives as long as
/// its fetch function.
#[must_use = "a stream does nothing unless polled"]
pub struct Pages<'a, T> {
    fetch: Fetch<'a, T>,
    next_page: i64,
    in_flight: Option<BoxFuture<'a, Result<Page<T>, Error>>>,
    buffered: std::vec::IntoIter<T>,
    first_page_len: Option<usize>,
    /// Items received (not necessarily yielded yet).
    fetched: u64,
    yielded: u64,
    /// The latest `totalCount` that counts (see the module docs).
    total: Option<u64>,
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
    /// A stream over pages fetched by `fetch`, with the same stop rule, checks and limits as
    /// every operation's `into_stream()` (see the [module docs](self)).
    ///
    /// `fetch` is called with the page number, from 1, once per page, only when the stream
    /// needs the page; an `Err` it returns is the stream's last item. The stream is
    /// `'static` (it can go into a spawned task) when `fetch` owns what it uses, such as a
    /// clone of the client.
    ///
    /// ```
    /// use genauth::pagination::{Page, Pages};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genauth::Error> {
    /// // A listing of 5 items whose server serves 2 a page, whatever was asked for.
    /// let mut letters = Pages::from_fn(|page: i64| async move {
    ///     let all = ["a", "b", "c", "d", "e"];
    ///     let start = usize::try_from(page - 1).unwrap_or(usize::MAX).saturating_mul(2);
    ///     let items: Vec<String> = all.iter().skip(start).take(2).map(|s| s.to_string()).collect();
    ///     Ok(Page::new(items, Some(5)))
    /// });
    /// let mut seen = Vec::new();
    /// while let Some(letter) = letters.try_next().await? {
    ///     seen.push(letter);
    /// }
    /// assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_fn<F, Fut>(fetch: F) -> Self
    where
        F: Fn(i64) -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
    {
        Self {
            fetch: Box::new(move |page| Box::pin(fetch(page))),
            next_page: 1,
            in_flight: None,
            buffered: Vec::new().into_iter(),
            first_page_len: None,
            fetched: 0,
            yielded: 0,
            total: None,
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

    /// The `totalCount` the stream goes by: the latest one that counted (see the
    /// [module docs](self)), or `None` before the first page or when no page had one. Meant
    /// for progress reports.
    pub fn total(&self) -> Option<u64> {
        self.total
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
            .field("total", &self.total)
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
                    "stopped before page {page}: the stream has fetched its limit of {} pages \
                     (max_pages), {} items so far",
                    this.max_pages, this.fetched
                )))));
            }
            let fetch = &this.fetch;
            let future = this.in_flight.get_or_insert_with(|| fetch(page));
            let result = match future.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            };
            this.in_flight = None;
            let Page { items, total } = match result {
                Ok(page) => page,
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            };
            this.pages += 1;
            let len = items.len();
            if len > 0 {
                let print = fingerprint(&items);
                if this.previous == Some(print) {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::Pagination(format!(
                        "page {page} has the same {len} items as page {}: the server does not \
                         seem to honour the page number",
                        page - 1
                    )))));
                }
                this.previous = Some(print);
            }
            let first = *this.first_page_len.get_or_insert(len);
            this.fetched += len as u64;
            this.next_page = this.next_page.saturating_add(1);
            // A total below what has arrived is absent (decoded as 0) or wrong: the one
            // before stays.
            if let Some(total) = total.filter(|t| *t >= this.fetched) {
                this.total = Some(total);
            }
            if len == 0 {
                this.done = true;
                return Poll::Ready(match this.total.filter(|t| this.fetched < *t) {
                    // Fail closed: a listing that ends before its total is not complete.
                    Some(total) => Some(Err(Error::Pagination(format!(
                        "the server served {} of the {total} items its totalCount announced: \
                         page {page} was empty",
                        this.fetched
                    )))),
                    None => None,
                });
            }
            this.last_page = match this.total {
                Some(total) => this.fetched >= total,
                None => len < first,
            };
            this.buffered = items.into_iter();
        }
    }
}
