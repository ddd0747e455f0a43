//! End-to-end throughput of `get_otp_secret_by_user` against an in-process keep-alive HTTP
//! server on 127.0.0.1, next to a bare `reqwest` client sending the identical pre-built request
//! (same URL and headers, signature included) and decoding the same response type. Runs at
//! concurrency 1 and 32 (criterion), then prints the SDK/bare throughput ratio from rounds that
//! alternate between the two clients.
//!
//! Target: the SDK keeps at least 0.9 of the bare client's throughput at both concurrencies.
//! Last, one million SDK calls with the resident set size sampled after each tenth: it must
//! not grow after warm-up (`E2E_MEMORY_CALLS` sets the count, 0 skips it).
//! The SDK does more per call (builds and signs each request, reads the envelope head for its
//! retry decision, opens a tracing span), which is exactly the overhead measured here.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::Criterion;
use genauth::prelude::*;
use genauth::{ManagementClient, types};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"statusCode":200,"message":"Operation successful","requestId":"934108e5-9fbf-4d24-8da1-c330328abd6c","data":{"secret":"e2345asdfwagw13424"}}"#;
const USER_ID: &str = "6319a1504f3xxxxf214dd5b7";

/// The system allocator, counting allocations, so that the profiling mode can report
/// allocations per call (the server's share included, the same for both clients).
struct Counting;

static ALLOCATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above, for `dealloc`.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: as above, for `realloc`.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The first request the server saw: its target and headers.
type Head = Arc<Mutex<Option<(String, Vec<(String, String)>)>>>;

/// Connections the server accepted (a pooled client needs one per concurrent task).
static ACCEPTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A keep-alive HTTP/1.1 server that answers every request with the same response.
async fn serve(listener: TcpListener, first: Head) {
    let response = Arc::new(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
            BODY.len()
        )
        .into_bytes(),
    );
    while let Ok((mut stream, _)) = listener.accept().await {
        ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let (response, first) = (response.clone(), first.clone());
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                // Read one request head (these requests have no body).
                let end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                {
                    let mut slot = first.lock().unwrap();
                    if slot.is_none() {
                        *slot = Some(parse_head(&buf[..end]));
                    }
                }
                buf.drain(..end);
                if stream.write_all(&response).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn parse_head(head: &[u8]) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (target, headers)
}

struct Setup {
    sdk: ManagementClient,
    bare: reqwest::Client,
    request: reqwest::Request,
}

async fn setup() -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let first: Head = Arc::default();
    tokio::spawn(serve(listener, first.clone()));

    let sdk = ManagementClient::builder()
        .access_key_id("AK_BENCH")
        .access_key_secret("SK_BENCH")
        .host(&base)
        .build()
        .unwrap();
    sdk_call(&sdk).await;

    // The bare client replays exactly what the SDK sent (the transport headers reqwest adds
    // itself, host and user-agent, are left to it).
    let (target, headers) = first.lock().unwrap().clone().unwrap();
    let bare = reqwest::Client::new();
    let mut builder = bare.get(format!("{base}{target}"));
    for (name, value) in headers {
        if name != "host" && name != "user-agent" {
            builder = builder.header(name, value);
        }
    }
    let request = builder.build().unwrap();
    Setup { sdk, bare, request }
}

async fn sdk_call(client: &ManagementClient) {
    let data = client
        .get_otp_secret_by_user()
        .user_id(USER_ID)
        .user_id_type(types::UserIdType::ExternalId)
        .send()
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(data.secret.expose_secret().len(), 18);
}

async fn bare_call(client: &reqwest::Client, request: &reqwest::Request) {
    let response = client.execute(request.try_clone().unwrap()).await.unwrap();
    assert!(response.status().is_success());
    let body = response.bytes().await.unwrap();
    let decoded: types::GetOtpSecretRespDto = serde_json::from_slice(&body).unwrap();
    assert_eq!(decoded.status_code, 200);
}

/// Sends `calls` calls spread over `concurrency` tasks and returns the wall time.
async fn batch(setup: &Arc<Setup>, sdk: bool, concurrency: usize, calls: u64) -> Duration {
    let started = Instant::now();
    let per_task = calls.div_ceil(concurrency as u64);
    let mut tasks = Vec::with_capacity(concurrency);
    for t in 0..concurrency as u64 {
        let n = per_task.min(calls.saturating_sub(t * per_task));
        let setup = setup.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                if sdk {
                    sdk_call(&setup.sdk).await;
                } else {
                    bare_call(&setup.bare, &setup.request).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn e2e(c: &mut Criterion, runtime: &tokio::runtime::Runtime, setup: &Arc<Setup>) {
    for concurrency in [1usize, 32] {
        let mut group = c.benchmark_group(format!("e2e_get_otp_secret/concurrency_{concurrency}"));
        group.throughput(criterion::Throughput::Elements(1));
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(6));
        for (name, sdk) in [("bare_reqwest", false), ("genauth", true)] {
            group.bench_function(name, |b| {
                b.iter_custom(|calls| runtime.block_on(batch(setup, sdk, concurrency, calls)))
            });
        }
        group.finish();
    }
}

/// The throughput ratio, measured apart from criterion so that both clients see the same
/// conditions: rounds alternate between them, and the median of the per-round ratios is
/// reported (this machine's timing drifts too much for two separate runs to compare well).
fn ratio(runtime: &tokio::runtime::Runtime, setup: &Arc<Setup>) {
    const ROUNDS: usize = 21;
    for (concurrency, calls) in [(1usize, 2_000u64), (32, 6_000)] {
        runtime.block_on(async {
            batch(setup, true, concurrency, calls / 4).await;
            batch(setup, false, concurrency, calls / 4).await;
        });
        let mut ratios = Vec::with_capacity(ROUNDS);
        let (mut sdk_total, mut bare_total) = (Duration::ZERO, Duration::ZERO);
        for round in 0..ROUNDS {
            // Alternate which client goes first, so neither always follows the other.
            let (sdk, bare) = runtime.block_on(async {
                if round % 2 == 0 {
                    let sdk = batch(setup, true, concurrency, calls).await;
                    (sdk, batch(setup, false, concurrency, calls).await)
                } else {
                    let bare = batch(setup, false, concurrency, calls).await;
                    (batch(setup, true, concurrency, calls).await, bare)
                }
            });
            ratios.push(bare.as_secs_f64() / sdk.as_secs_f64());
            sdk_total += sdk;
            bare_total += bare;
        }
        ratios.sort_by(f64::total_cmp);
        let per_second = |total: Duration| (calls * ROUNDS as u64) as f64 / total.as_secs_f64();
        println!(
            "concurrency {concurrency:>2}: genauth {:>7.0} calls/s, bare reqwest {:>7.0} calls/s, \
             SDK/bare throughput ratio {:.2} (median of {ROUNDS} alternating rounds, range {:.2}..{:.2})",
            per_second(sdk_total),
            per_second(bare_total),
            ratios[ROUNDS / 2],
            ratios[0],
            ratios[ROUNDS - 1],
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let setup = Arc::new(runtime.block_on(setup()));
    // Profiling mode: `E2E_ONLY=genauth|bare E2E_CALLS=n` sends n calls (at concurrency
    // `E2E_CONCURRENCY`, default 1) and exits, for `perf stat` / `perf record` / callgrind to
    // compare the clients call for call.
    if let (Ok(only), Ok(calls)) = (std::env::var("E2E_ONLY"), std::env::var("E2E_CALLS")) {
        let calls: u64 = calls.parse().expect("E2E_CALLS is a number");
        let concurrency: usize = std::env::var("E2E_CONCURRENCY")
            .ok()
            .map_or(1, |c| c.parse().expect("E2E_CONCURRENCY is a number"));
        let before = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
        let elapsed = runtime.block_on(batch(&setup, only == "genauth", concurrency, calls));
        let allocations = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed) - before;
        let accepted = ACCEPTED.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "{only}: {calls} calls in {elapsed:?}, {accepted} connections, {:.1} allocations per call (server included)",
            allocations as f64 / calls as f64
        );
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    e2e(&mut criterion, &runtime, &setup);
    criterion.final_summary();
    // `cargo bench -- --list` and the like only ask criterion something.
    let listing = std::env::args().any(|a| a == "--list" || a == "--test");
    if !listing {
        ratio(&runtime, &setup);
        memory(&runtime, &setup);
    }
}

/// Resident set size of this process now, and its peak so far, in KiB (Linux `/proc`).
fn rss_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Memory over many calls: `E2E_MEMORY_CALLS` (default 1,000,000; 0 skips) SDK calls at
/// concurrency 32, with the resident set size printed after each tenth. After the first tenth
/// (warm-up: connection pool, buffers, allocator arenas) it should stay flat: growth there
/// would be a leak per call.
fn memory(runtime: &tokio::runtime::Runtime, setup: &Arc<Setup>) {
    let total: u64 = std::env::var("E2E_MEMORY_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if total == 0 {
        return;
    }
    let Some((start, _)) = rss_kib() else {
        println!("memory: /proc/self/status is not readable here; skipped");
        return;
    };
    let tenth = total / 10;
    let mut after_warmup = None;
    let mut samples = Vec::new();
    for step in 1..=10u64 {
        runtime.block_on(batch(setup, true, 32, tenth));
        let (rss, peak) = rss_kib().expect("readable above");
        samples.push(format!("{}k:{rss}", step * tenth / 1000));
        if step == 1 {
            after_warmup = Some(rss);
        }
        if step == 10 {
            let warm = after_warmup.expect("set at step 1");
            println!(
                "memory: {total} calls at concurrency 32: RSS {start} KiB before, {warm} KiB after \
                 the first {tenth}, {rss} KiB at the end ({:+} KiB after warm-up), peak {peak} KiB",
                rss as i64 - warm as i64
            );
            println!("memory: RSS (KiB) after each tenth: {}", samples.join(" "));
        }
    }
}
