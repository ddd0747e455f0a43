//! The CLI's tests, in one binary: each module runs the built `genauth` binary against a
//! `genauth::testing::MockApi` on loopback (or calls the library directly), and checks its
//! output, exit code and the requests the mock received.

mod support;

mod call;
mod check_api;
mod events;
mod import;
mod ops;
mod output;
mod pages;
