//! End-to-end throughput of `get_otp_secret_by_user` against an in-process keep-alive HTTP
//! server on 127.0.0.1, next to two bare `reqwest` clients that decode the same response type:
//! - `bare_reqwest`, what a hand-written client must do per call (the issue's baseline): build
//!   the URL from the host, path and query, set the headers (the SDK's, signature included,
//!   copied), send, read, decode;
//! - `bare_replay`, a stricter floor: it re-sends one pre-built request (a clone per call), so
//!   it builds no URL at all.
//!
//! Runs at concurrency 1 and 32 (criterion), then prints the SDK/bare throughput ratios from
//! rounds that alternate between the clients.
//!
//! Target: the SDK keeps at least 0.9 of `bare_reqwest`'s throughput at both concurrencies.
//! Last, one million SDK calls with the resident set size sampled after each tenth: it must
//! not grow after warm-up (`E2E_MEMORY_CALLS` sets the count, 0 skips it).
//! `E2E_BARE_TIMEOUT=1` gives the bare clients the SDK's default attempt timeout (not the
//! issue's baseline; for measuring what the per-request timer costs).
//! The SDK does more per call (signs each request, reads the envelope head for its retry
//! decision, keeps a copy for a retry, opens a tracing span), which is exactly the overhead
//! measured here.
//!
//! Paired mode (benches/e2e/paired.rs), instead of all the above:
//! `E2E_PAIRED=<rounds, default 8> [E2E_PAIRED_CALLS=20000] [E2E_CONCURRENCY=32]` starts this
//! binary again as the server (`E2E_SERVE=1`: the keep-alive server alone, `LISTENING <port>`
//! on stdout, serving until stdin closes) and measures three clients on a tokio current-thread
//! runtime here, so that this process's CPU time (getrusage) is the clients' alone: `genauth`,
//! `hand_signed` (a hand-written client that signs each request itself with `hmac`/`sha1`,
//! fresh date and nonce, the SDK's exact headers; checked at start-up against the SDK's first
//! request and its signing functions) and `bare_unsigned` (the SDK's headers copied, no
//! signing: the floor). Each round runs genauth and hand_signed in alternating order, then
//! bare_unsigned; it prints CPU µs per call and calls/s per round and client, then the medians
//! and the per-round genauth/hand_signed throughput ratio.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::Criterion;
use genauth::prelude::*;
use genauth::{ManagementClient, types};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[path = "e2e/paired.rs"]
mod paired;

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
/// `report`: also print the first request head of each connection on stdout, as `HEAD` and
/// JSON (the paired mode's server process, whose client reads them).
async fn serve(listener: TcpListener, first: Head, report: bool) {
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
            let mut reported = !report;
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
                if !reported {
                    let head = serde_json::to_string(&parse_head(&buf[..end])).unwrap();
                    println!("HEAD {head}");
                    reported = true;
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
    /// The host, for the hand-written client's URL.
    base: String,
    /// The headers the SDK sent (transport headers aside), for the bare clients.
    headers: reqwest::header::HeaderMap,
    /// The SDK's request, pre-built, for the replaying client.
    request: reqwest::Request,
}

/// Which client a batch uses.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Sdk,
    Bare,
    Replay,
}

async fn setup() -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let first: Head = Arc::default();
    tokio::spawn(serve(listener, first.clone(), false));

    let sdk = ManagementClient::builder()
        .access_key_id("AK_BENCH")
        .access_key_secret("SK_BENCH")
        .host(&base)
        .build()
        .unwrap();
    sdk_call(&sdk).await;

    // The bare clients send exactly what the SDK sent (the transport headers reqwest adds
    // itself, host and user-agent, are left to it).
    let (target, sent) = first.lock().unwrap().clone().unwrap();
    // `E2E_BARE_TIMEOUT=1` gives the bare clients the SDK's default attempt timeout, to
    // measure what the per-request timer costs; the issue's baseline has none.
    let bare = bare_client().build().unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in sent {
        if name != "host" && name != "user-agent" {
            headers.append(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                reqwest::header::HeaderValue::from_str(&value).unwrap(),
            );
        }
    }
    let request = bare
        .get(format!("{base}{target}"))
        .headers(headers.clone())
        .build()
        .unwrap();
    Setup {
        sdk,
        bare,
        base,
        headers,
        request,
    }
}

/// The bare clients' builder: with the SDK's default attempt timeout under `E2E_BARE_TIMEOUT`.
fn bare_client() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    if std::env::var("E2E_BARE_TIMEOUT").is_ok() {
        builder.timeout(genauth::DEFAULT_ATTEMPT_TIMEOUT)
    } else {
        builder
    }
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

/// A hand-written call: URL from host, path and query; headers; send; read; decode.
async fn bare_call(setup: &Setup) {
    let response = setup
        .bare
        .get(format!("{}/api/v3/get-otp-secret-by-user", setup.base))
        .query(&[("userId", USER_ID), ("userIdType", "external_id")])
        .headers(setup.headers.clone())
        .send()
        .await
        .unwrap();
    check(response).await;
}

/// The pre-built request again.
async fn replay_call(setup: &Setup) {
    let request = setup.request.try_clone().unwrap();
    check(setup.bare.execute(request).await.unwrap()).await;
}

async fn check(response: reqwest::Response) {
    assert!(response.status().is_success());
    let body = response.bytes().await.unwrap();
    let decoded: types::GetOtpSecretRespDto = serde_json::from_slice(&body).unwrap();
    assert_eq!(decoded.status_code, 200);
}

/// Sends `calls` calls spread over `concurrency` tasks and returns the wall time.
async fn batch(setup: &Arc<Setup>, who: Who, concurrency: usize, calls: u64) -> Duration {
    let started = Instant::now();
    let per_task = calls.div_ceil(concurrency as u64);
    let mut tasks = Vec::with_capacity(concurrency);
    for t in 0..concurrency as u64 {
        let n = per_task.min(calls.saturating_sub(t * per_task));
        let setup = setup.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                match who {
                    Who::Sdk => sdk_call(&setup.sdk).await,
                    Who::Bare => bare_call(&setup).await,
                    Who::Replay => replay_call(&setup).await,
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
        for (name, who) in [
            ("bare_replay", Who::Replay),
            ("bare_reqwest", Who::Bare),
            ("genauth", Who::Sdk),
        ] {
            group.bench_function(name, |b| {
                b.iter_custom(|calls| runtime.block_on(batch(setup, who, concurrency, calls)))
            });
        }
        group.finish();
    }
}

/// Process CPU time so far (user and system, every thread, the server's included), from
/// `/proc/self/stat` in clock ticks of 10 ms; `None` where that file is not readable.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Wall and CPU time of the rounds of one client.
#[derive(Default)]
struct Totals {
    wall: Duration,
    cpu: Duration,
}

/// The throughput ratios, measured apart from criterion so that the clients see the same
/// conditions: each round runs all three, in an order that rotates, and the median of the
/// per-round ratios is reported (this machine's timing drifts too much for separate runs to
/// compare well). Also the process CPU time per call of each client (the loopback server's
/// share included, the same for all three).
fn ratio(runtime: &tokio::runtime::Runtime, setup: &Arc<Setup>) {
    const ROUNDS: usize = 21;
    const ORDER: [Who; 3] = [Who::Sdk, Who::Bare, Who::Replay];
    for (concurrency, calls) in [(1usize, 2_000u64), (32, 6_000)] {
        runtime.block_on(async {
            for who in ORDER {
                batch(setup, who, concurrency, calls / 4).await;
            }
        });
        let mut totals: [Totals; 3] = Default::default();
        let (mut vs_bare, mut vs_replay) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let mut wall = [Duration::ZERO; 3];
            for k in 0..3 {
                let i = (round + k) % 3;
                let cpu_before = cpu_time();
                wall[i] = runtime.block_on(batch(setup, ORDER[i], concurrency, calls));
                if let (Some(before), Some(after)) = (cpu_before, cpu_time()) {
                    totals[i].cpu += after.saturating_sub(before);
                }
                totals[i].wall += wall[i];
            }
            vs_bare.push(wall[1].as_secs_f64() / wall[0].as_secs_f64());
            vs_replay.push(wall[2].as_secs_f64() / wall[0].as_secs_f64());
        }
        let median = |ratios: &mut Vec<f64>| {
            ratios.sort_by(f64::total_cmp);
            format!(
                "{:.2} (range {:.2}..{:.2})",
                ratios[ROUNDS / 2],
                ratios[0],
                ratios[ROUNDS - 1]
            )
        };
        let all_calls = calls * ROUNDS as u64;
        let per_second = |t: &Totals| all_calls as f64 / t.wall.as_secs_f64();
        let cpu_us = |t: &Totals| t.cpu.as_secs_f64() * 1e6 / all_calls as f64;
        println!(
            "concurrency {concurrency:>2}: genauth {:>6.0} calls/s ({:.1} µs CPU/call), bare reqwest \
             {:>6.0} calls/s ({:.1} µs), bare replay {:>6.0} calls/s ({:.1} µs); SDK/bare throughput \
             ratio {}, SDK/replay {} (medians of {ROUNDS} rounds; CPU includes the server)",
            per_second(&totals[0]),
            cpu_us(&totals[0]),
            per_second(&totals[1]),
            cpu_us(&totals[1]),
            per_second(&totals[2]),
            cpu_us(&totals[2]),
            median(&mut vs_bare),
            median(&mut vs_replay),
        );
    }
}

fn main() {
    // The paired mode and its server process (benches/e2e/paired.rs); criterion otherwise.
    if std::env::var_os("E2E_SERVE").is_some() {
        return paired::serve_until_stdin_closes();
    }
    if let Some(rounds) = paired::rounds() {
        return paired::run(rounds);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let setup = Arc::new(runtime.block_on(setup()));
    // Profiling mode: `E2E_ONLY=genauth|bare|replay E2E_CALLS=n` sends n calls (at concurrency
    // `E2E_CONCURRENCY`, default 1) and exits, for `perf stat` / `perf record` / callgrind to
    // compare the clients call for call.
    if let (Ok(only), Ok(calls)) = (std::env::var("E2E_ONLY"), std::env::var("E2E_CALLS")) {
        let calls: u64 = calls.parse().expect("E2E_CALLS is a number");
        let concurrency: usize = std::env::var("E2E_CONCURRENCY")
            .ok()
            .map_or(1, |c| c.parse().expect("E2E_CONCURRENCY is a number"));
        let before = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
        let who = match only.as_str() {
            "genauth" => Who::Sdk,
            "bare" => Who::Bare,
            "replay" => Who::Replay,
            other => panic!("E2E_ONLY is genauth, bare or replay, not {other}"),
        };
        let elapsed = runtime.block_on(batch(&setup, who, concurrency, calls));
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
        runtime.block_on(batch(setup, Who::Sdk, 32, tenth));
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
