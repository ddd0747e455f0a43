//! The paired mode of the end-to-end bench (`E2E_PAIRED`) and its server process
//! (`E2E_SERVE`): the per-call CPU cost of the SDK against a hand-signed `reqwest` client, both
//! on a tokio current-thread runtime in this process, with the HTTP server in a child process
//! so that the CPU time measured here is the clients' alone.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use genauth::{Brand, ManagementClient};
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::net::TcpListener;

use super::{USER_ID, check, sdk_call, serve};

const ACCESS_KEY_ID: &str = "AK_BENCH";
const ACCESS_KEY_SECRET: &str = "SK_BENCH";
const PATH: &str = "/api/v3/get-otp-secret-by-user";
/// The values the SDK sends by default, which a hand-written client sends too.
const LANG: &str = "en-US";
const SDK_VERSION: &str = concat!("genauth-rust-sdk:", env!("CARGO_PKG_VERSION"));
/// The user agent of the two bare clients (the SDK sends its own).
const BARE_USER_AGENT: &str = "hand-written/1.0";

/// A request head as the server saw it: its target and its headers (names in lowercase).
type Request = (String, Vec<(String, String)>);

/// `E2E_PAIRED`: the number of rounds (empty for the default, 8).
pub(crate) fn rounds() -> Option<usize> {
    let value = std::env::var("E2E_PAIRED").ok()?;
    let value = value.trim();
    let rounds = if value.is_empty() {
        8
    } else {
        value.parse().expect("E2E_PAIRED is a number of rounds")
    };
    assert!(rounds > 0, "E2E_PAIRED is at least 1");
    Some(rounds)
}

/// `E2E_SERVE=1`: the keep-alive server alone on 127.0.0.1 (its own multi-thread runtime),
/// `LISTENING <port>` on stdout, then the first request head of each connection (`HEAD` and
/// JSON); it serves until stdin closes (or it is killed).
pub(crate) fn serve_until_stdin_closes() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    println!("LISTENING {}", listener.local_addr().unwrap().port());
    runtime.spawn(serve(listener, Arc::default(), true));
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
}

/// The server process: this binary again, with `E2E_SERVE=1`.
struct Server {
    child: Child,
    port: u16,
    /// The first request head of each new connection, in the order the server saw them.
    heads: Receiver<Request>,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("E2E_SERVE", "1")
            .env_remove("E2E_PAIRED")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server process starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line
            .strip_prefix("LISTENING ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the server process said {line:?}, not LISTENING <port>"));
        let (sender, heads) = std::sync::mpsc::channel();
        // Drains the pipe for as long as the server writes (a line per new connection).
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if let Some(json) = line.strip_prefix("HEAD ") {
                    let _ = sender.send(serde_json::from_str(json).unwrap());
                }
            }
        });
        Self { child, port, heads }
    }

    /// The head of the next new connection's first request.
    fn next_head(&self, who: &str) -> Request {
        self.heads
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("the server reported no new connection for {who}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin ends it; killing it too spares a wait on a server that hangs.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A hand-written client of the API: it signs each request itself.
struct HandSigned {
    http: reqwest::Client,
    base: String,
}

impl HandSigned {
    /// What every client of the API does per call: the URL from host, path and query; a fresh
    /// date and nonce; the string to sign (method, `date` and the `x-genauth-` headers sorted
    /// by name, path, the query pairs sorted by key, unencoded); HMAC-SHA1 keyed with the
    /// secret, base64; the headers; send; read; decode.
    async fn call(&self) {
        let query = [("userId", USER_ID), ("userIdType", "external_id")];
        let date = httpdate::fmt_http_date(SystemTime::now());
        let nonce: String = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut sorted = query;
        sorted.sort_by_key(|(key, _)| *key);
        let params: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let string_to_sign = format!(
            "GET\ndate:{date}\nx-genauth-lang:{LANG}\nx-genauth-sdk-version:{SDK_VERSION}\n\
             x-genauth-signature-method:HMAC-SHA1\nx-genauth-signature-nonce:{nonce}\n\
             x-genauth-signature-version:1.0\n{PATH}?{}",
            params.join("&")
        );
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(ACCESS_KEY_SECRET.as_bytes()).unwrap();
        mac.update(string_to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let response = self
            .http
            .get(format!("{}{PATH}", self.base))
            .query(&query)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("x-genauth-sdk-version", SDK_VERSION)
            .header("x-genauth-lang", LANG)
            .header("date", date)
            .header("x-genauth-signature-nonce", nonce)
            .header("x-genauth-signature-method", "HMAC-SHA1")
            .header("x-genauth-signature-version", "1.0")
            .header(
                "authorization",
                format!("GenAuth {ACCESS_KEY_ID}:{signature}"),
            )
            .send()
            .await
            .unwrap();
        check(response).await;
    }
}

/// The three clients of a round.
struct Clients {
    sdk: ManagementClient,
    hand: HandSigned,
    /// `bare_unsigned`: the SDK's first request's headers, copied (signature included, so no
    /// signing per call), over the same kind of URL: the floor.
    bare: reqwest::Client,
    headers: HeaderMap,
}

const NAMES: [&str; 3] = ["genauth", "hand_signed", "bare_unsigned"];

impl Clients {
    async fn call(&self, who: usize) {
        match who {
            0 => sdk_call(&self.sdk).await,
            1 => self.hand.call().await,
            _ => {
                let response = self
                    .bare
                    .get(format!("{}{PATH}", self.hand.base))
                    .query(&[("userId", USER_ID), ("userIdType", "external_id")])
                    .headers(self.headers.clone())
                    .send()
                    .await
                    .unwrap();
                check(response).await;
            }
        }
    }
}

/// Sends `calls` calls of client `who` over `concurrency` tasks; the wall time.
async fn batch(clients: &Arc<Clients>, who: usize, concurrency: usize, calls: u64) -> Duration {
    let started = Instant::now();
    let per_task = calls.div_ceil(concurrency as u64);
    let tasks: Vec<_> = (0..concurrency as u64)
        .map(|t| {
            let n = per_task.min(calls.saturating_sub(t * per_task));
            let clients = clients.clone();
            tokio::spawn(async move {
                for _ in 0..n {
                    clients.call(who).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// This process's CPU time (user and system, every thread), in microseconds' resolution.
#[cfg(unix)]
fn process_cpu() -> Duration {
    // SAFETY: `rusage` is plain integers, for which zero is valid; `getrusage` writes into
    // the one it is given and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

#[cfg(not(unix))]
fn process_cpu() -> Duration {
    super::cpu_time().unwrap_or_default()
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.parse().unwrap_or_else(|_| panic!("{name} is a number"))
    })
}

/// The header names of a request head, sorted.
fn names(head: &Request) -> Vec<&str> {
    let mut names: Vec<&str> = head.1.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    names
}

fn value<'a>(head: &'a Request, name: &str) -> &'a str {
    let found = head.1.iter().find(|(n, _)| n == name);
    found.map_or("", |(_, v)| v.as_str())
}

/// Checks `head`'s `authorization` against the SDK's public signing functions (only here, at
/// start-up: the hand-signed client never calls them).
fn check_signature(head: &Request, who: &str) {
    let (target, fields) = head;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target.as_str(), None),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in fields {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let string_to_sign =
        genauth::signing::string_to_sign(Brand::GenAuth, "GET", path, &headers, query, None)
            .unwrap();
    let expected = genauth::signing::authorization(
        Brand::GenAuth,
        ACCESS_KEY_ID,
        ACCESS_KEY_SECRET,
        &string_to_sign,
    );
    assert_eq!(
        value(head, "authorization"),
        expected,
        "{who}'s signature is not what the SDK's signing functions give for its request"
    );
}

/// Fails loudly unless `head` has the SDK's request's target, header names and (per-call
/// values aside) header values.
fn check_same_request(sdk: &Request, head: &Request, who: &str) {
    assert_eq!(sdk.0, head.0, "{who} asks for another target than the SDK");
    assert_eq!(
        names(sdk),
        names(head),
        "{who} sends other header names than the SDK"
    );
    for (name, sdk_value) in &sdk.1 {
        let per_call = ["date", "authorization", "user-agent"].contains(&name.as_str())
            || name.ends_with("-signature-nonce");
        if !per_call {
            assert_eq!(
                value(head, name),
                sdk_value,
                "{who}'s `{name}` is not the SDK's"
            );
        }
    }
}

/// Makes the clients (one call each) and checks that the hand-written ones send what the SDK
/// sends.
fn clients(runtime: &tokio::runtime::Runtime, server: &Server) -> Arc<Clients> {
    let base = format!("http://127.0.0.1:{}", server.port);
    let bare_http = || {
        super::bare_client()
            .user_agent(BARE_USER_AGENT)
            .build()
            .unwrap()
    };
    let sdk = runtime.block_on(async {
        let sdk = ManagementClient::builder()
            .access_key_id(ACCESS_KEY_ID)
            .access_key_secret(ACCESS_KEY_SECRET)
            .host(&base)
            .build()
            .unwrap();
        sdk_call(&sdk).await;
        sdk
    });
    let sdk_head = server.next_head("genauth");
    check_signature(&sdk_head, "genauth");
    let hand = HandSigned {
        http: bare_http(),
        base,
    };
    runtime.block_on(hand.call());
    let hand_head = server.next_head("hand_signed");
    check_same_request(&sdk_head, &hand_head, "hand_signed");
    check_signature(&hand_head, "hand_signed");
    let mut headers = HeaderMap::new();
    for (name, value) in &sdk_head.1 {
        if name != "host" && name != "user-agent" {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
    }
    let clients = Arc::new(Clients {
        sdk,
        hand,
        bare: bare_http(),
        headers,
    });
    runtime.block_on(clients.call(2));
    check_same_request(
        &sdk_head,
        &server.next_head("bare_unsigned"),
        "bare_unsigned",
    );
    println!(
        "paired: hand_signed and bare_unsigned send the SDK's target and its {} header names \
         ({}); hand_signed's signature checks",
        sdk_head.1.len(),
        names(&sdk_head).join(", ")
    );
    clients
}

/// `E2E_PAIRED=<rounds>`: each round runs genauth and hand_signed (genauth first in even
/// rounds, hand_signed first in odd ones), then bare_unsigned, each making `E2E_PAIRED_CALLS`
/// calls (default 20,000) at concurrency `E2E_CONCURRENCY` (default 32), and prints the CPU
/// time of this process per call and the throughput; then the medians.
pub(crate) fn run(rounds: usize) {
    let calls = env_number("E2E_PAIRED_CALLS", 20_000);
    let concurrency = usize::try_from(env_number("E2E_CONCURRENCY", 32)).unwrap();
    assert!(
        calls > 0 && concurrency > 0,
        "calls and concurrency are at least 1"
    );
    let server = Server::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients = clients(&runtime, &server);
    println!(
        "paired: server process {} on 127.0.0.1:{}; {rounds} rounds of {calls} calls per client \
         at concurrency {concurrency} on a current-thread runtime; CPU is this process's \
         (getrusage), the server's excluded",
        server.child.id(),
        server.port
    );
    // Warm-up: each client's connections opened, the code paths run.
    for who in 0..3 {
        runtime.block_on(batch(
            &clients,
            who,
            concurrency,
            (calls / 4).max(concurrency as u64),
        ));
    }
    // Per client: CPU µs per call and calls per second, one of each per round.
    let mut cpu_us: [Vec<f64>; 3] = Default::default();
    let mut per_second: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1, 2] } else { [1, 0, 2] };
        for who in order {
            let before = process_cpu();
            let wall = runtime.block_on(batch(&clients, who, concurrency, calls));
            let cpu = process_cpu().saturating_sub(before);
            cpu_us[who].push(cpu.as_secs_f64() * 1e6 / calls as f64);
            per_second[who].push(calls as f64 / wall.as_secs_f64());
            println!(
                "round {round} {:<13} {:>7.2} µs CPU/call {:>8.0} calls/s",
                NAMES[who], cpu_us[who][round], per_second[who][round]
            );
        }
    }
    println!("paired summary, medians of {rounds} rounds (range):");
    for who in 0..3 {
        let (low, high) = range(&cpu_us[who]);
        println!(
            "  {:<13} {:>7.2} µs CPU/call ({low:.2}..{high:.2}), {:>8.0} calls/s",
            NAMES[who],
            median(&cpu_us[who]),
            median(&per_second[who])
        );
    }
    let per_round = |f: &dyn Fn(usize) -> f64| (0..rounds).map(f).collect::<Vec<f64>>();
    let ratio = per_round(&|r| per_second[0][r] / per_second[1][r]);
    let extra = per_round(&|r| cpu_us[0][r] - cpu_us[1][r]);
    let floor = per_round(&|r| per_second[0][r] / per_second[2][r]);
    let ((r0, r1), (e0, e1), (f0, f1)) = (range(&ratio), range(&extra), range(&floor));
    println!(
        "  throughput genauth/hand_signed {:.3} ({r0:.3}..{r1:.3}); CPU genauth - hand_signed \
         {:+.2} µs/call ({e0:+.2}..{e1:+.2}); throughput genauth/bare_unsigned {:.3} \
         ({f0:.3}..{f1:.3})",
        median(&ratio),
        median(&extra),
        median(&floor)
    );
}
