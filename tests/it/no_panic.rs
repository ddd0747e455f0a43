//! Property test: builder settings and server answers drawn at random, from sane to absurd
//! (zero and `Duration::MAX` timeouts, clocks before 1970, lying content lengths, huge
//! `Retry-After`s, numbers out of range, bytes that are not JSON). Whatever comes, the client
//! returns `Ok` or a typed `Error`: it never panics and never hangs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use genauth::prelude::*;
use genauth::testing::{MockApi, MockReply};
use genauth::{AuthMode, Error, ManagementClient, RetryPolicy};
use proptest::prelude::*;

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_millis(50)),
        Just(Duration::from_secs(2)),
        Just(Duration::MAX),
    ]
}

/// Total timeouts stay finite, so that a case whose other settings say "wait forever" still
/// ends; `Duration::MAX` is covered by the attempt and connect timeouts and the backoff.
fn total() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_millis(50)),
        Just(Duration::from_secs(2)),
    ]
}

#[derive(Debug, Clone)]
struct Settings {
    attempt: Duration,
    total: Duration,
    connect: Duration,
    max_bytes: usize,
    attempts: u32,
    backoff: (Duration, Duration),
    retry_after_cap: Duration,
    retry_writes: bool,
    clock_offset_secs: i64,
    token_mode: bool,
    secret: String,
    host_suffix: String,
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        (duration(), total(), duration()),
        prop_oneof![
            Just(0usize),
            Just(1),
            Just(64),
            Just(4096),
            Just(usize::MAX)
        ],
        (0u32..5, (duration(), duration()), duration(), any::<bool>()),
        prop_oneof![
            Just(-62_135_596_800i64),
            Just(-1),
            Just(0),
            Just(1_751_356_800),
            Just(300_000_000_000),
            any::<i64>().prop_map(|s| s / 4),
        ],
        any::<bool>(),
        "[ \\t\\nA-Za-z0-9]{0,12}",
        prop_oneof![
            Just(String::new()),
            Just("/".into()),
            Just("/base/".into()),
            "[/a-z.%?#@:]{0,6}"
        ],
    )
        .prop_map(
            |(
                (attempt, total, connect),
                max_bytes,
                (attempts, backoff, retry_after_cap, retry_writes),
                clock_offset_secs,
                token_mode,
                secret,
                host_suffix,
            )| Settings {
                attempt,
                total,
                connect,
                max_bytes,
                attempts,
                backoff,
                retry_after_cap,
                retry_writes,
                clock_offset_secs,
                token_mode,
                secret,
                host_suffix,
            },
        )
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(br#"{"statusCode":200,"message":"ok","data":{"secret":"S"}}"#.to_vec()),
        Just(
            br#"{"statusCode":200,"message":"ok","data":{"access_token":"t","expires_in":1e308}}"#
                .to_vec()
        ),
        Just(br#"{"statusCode":200,"data":{"access_token":"a\nb","expires_in":-5}}"#.to_vec()),
        Just(br#"{"statusCode":200,"data":{"access_token":"t","expires_in":"soon"}}"#.to_vec()),
        Just(br#"{"statusCode":1e400,"apiCode":-1e400}"#.to_vec()),
        Just(br#"{"statusCode":503,"message":"busy"}"#.to_vec()),
        Just(br#"{"statusCode":401,"message":"who"}"#.to_vec()),
        Just(br#"{"statusCode":"200","data":null}"#.to_vec()),
        Just(br#"{"secret":["x",{"y":"#.to_vec()),
        Just(b"[[[[[[[[[[[[[[[[[[[[[[[[".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    retry_after: Option<&'static str>,
    length_delta: i64,
    body: Vec<u8>,
    reset: bool,
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        prop_oneof![
            Just(200u16),
            Just(401),
            Just(429),
            Just(503),
            Just(302),
            100u16..600
        ],
        prop_oneof![
            Just(None),
            Just(Some("0")),
            Just(Some("-1")),
            Just(Some("18446744073709551615")),
            Just(Some("99999999999999999999999")),
            Just(Some("Tue, 01 Jul 2025 08:00:05 GMT")),
            Just(Some("Fri, 31 Dec 9999 23:59:59 GMT")),
            Just(Some("later")),
        ],
        prop_oneof![Just(0i64), Just(-3), Just(7)],
        body(),
        prop_oneof![4 => Just(false), 1 => Just(true)],
    )
        .prop_map(|(status, retry_after, length_delta, body, reset)| Answer {
            status,
            retry_after,
            length_delta,
            body,
            reset,
        })
}

impl Answer {
    fn reply(&self) -> MockReply {
        let length = (self.body.len() as i64 + self.length_delta).max(0);
        let mut bytes = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {length}\r\nconnection: close\r\n",
            self.status
        )
        .into_bytes();
        if let Some(value) = self.retry_after {
            bytes.extend_from_slice(format!("retry-after: {value}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&self.body);
        let reply = MockReply::raw(bytes);
        if self.reset {
            reply.then_reset()
        } else {
            reply
        }
    }
}

fn client(base: &str, s: &Settings) -> Result<ManagementClient, Error> {
    let offset = s.clock_offset_secs;
    let clock = Arc::new(move || {
        let magnitude = Duration::from_secs(offset.unsigned_abs());
        let at = if offset >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(magnitude)
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(magnitude)
        };
        at.unwrap_or(SystemTime::UNIX_EPOCH)
    });
    ManagementClient::builder()
        .access_key_id("AK")
        .access_key_secret(s.secret.clone())
        .host(format!("{base}{}", s.host_suffix))
        .attempt_timeout(s.attempt)
        .total_timeout(s.total)
        .connect_timeout(s.connect)
        .max_response_bytes(s.max_bytes)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(s.attempts)
                .backoff(s.backoff.0, s.backoff.1)
                .max_retry_after(s.retry_after_cap)
                .retry_writes(s.retry_writes),
        )
        .auth_mode(if s.token_mode {
            AuthMode::ManagementToken
        } else {
            AuthMode::Signature
        })
        .clock(clock)
        .build()
}

/// One case: a client with settings `s` calls a server that answers with `answers` in turn.
/// `Ok(true)` when a call was made, `Ok(false)` when `build()` refused the settings.
fn run_case(s: Settings, answers: Vec<Answer>, call: u8, id: String) -> Result<bool, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let script = answers.clone();
        let server = MockApi::start_raw(move |_, n| script[(n - 1) % script.len()].reply())
            .await
            .unwrap();
        let Ok(client) = client(server.base_url(), &s) else {
            return Ok(false);
        };
        let task = tokio::spawn(async move {
            let result: Result<(), Error> = match call {
                0 => client
                    .get_otp_secret_by_user()
                    .user_id("u1")
                    .send()
                    .await
                    .map(|_| ()),
                1 => client.delete_by_id().id(id).send().await.map(|_| ()),
                _ => client
                    .update_security_settings()
                    .body_map(|b| b.allowed_origins(Some(vec!["https://a".to_string()])))
                    .send()
                    .await
                    .map(|_| ()),
            };
            // Formatting the outcome must not panic either.
            let _ = format!("{result:?}");
            if let Err(e) = result {
                let _ = (
                    e.to_string(),
                    e.is_retryable(),
                    e.http_status(),
                    e.request_id(),
                );
            }
        });
        match tokio::time::timeout(Duration::from_secs(20), task).await {
            Ok(Ok(())) => Ok(true),
            Ok(Err(e)) => Err(format!("the call panicked: {e}")),
            Err(_) => Err("the call hung".to_string()),
        }
    })
}

#[test]
fn no_settings_and_no_answer_panic() {
    let calls = AtomicUsize::new(0);
    // A fixed seed: the same 96 cases every run, so that the floor below is not luck.
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        ProptestConfig {
            cases: 96,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let id = prop_oneof![
        Just("..".to_string()),
        Just("a\\..\\b".to_string()),
        "[a-z./\\\\%]{0,6}"
    ];
    let strategy = (
        settings(),
        proptest::collection::vec(answer(), 1..4),
        0u8..3,
        id,
    );
    runner
        .run(&strategy, |(s, answers, call, id)| {
            let made = run_case(s, answers, call, id).map_err(TestCaseError::fail)?;
            if made {
                calls.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
        .unwrap();
    let made = calls.load(Ordering::SeqCst);
    eprintln!("{made} of 96 cases made a call");
    assert!(made >= 30, "only {made} of 96 cases got past build()");
}
