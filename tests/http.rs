//! HTTP behaviour of the core, driven over loopback against
//! tests/c/test_server.c (linked with libmongoose.a).

mod common;

use common::*;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn printf_data_is_chunked_and_terminated() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/hello");
    assert_eq!(
        fixed_dates(&r.raw),
        b"HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\nE\r\nHello [/hello]\r\n0\r\n\r\n"
    );
}

#[test]
fn status_header_data_sample_from_spec() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/status");
    assert_eq!(
        fixed_dates_text(&r.raw),
        "HTTP/1.1 201 Created\r\nX-A: b\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    );
    // Still usable: keep-alive after a chunked reply.
    assert_eq!(get(&mut s, "/hello").text(), "Hello [/hello]");
}

#[test]
fn empty_send_data_ends_the_body_and_later_data_is_dropped() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/chunks");
    assert_eq!(r.body, b"ab");
    assert!(r.raw.ends_with(b"2\r\nab\r\n0\r\n\r\n"));
    // The stream is not corrupted: the next reply parses.
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn headers_only_reply_is_terminated() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/headers_only");
    assert_eq!(r.status, 202);
    assert_eq!(r.header("X-Only"), Some("1"));
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn header_before_status_still_valid() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/header_first");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("X-First"), Some("1"));
    assert_eq!(r.body, b"ok");
}

#[test]
fn raw_replies_with_mg_printf_and_mg_write() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/raw");
    assert_eq!(r.raw, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw");
    let r = get(&mut s, "/write");
    assert_eq!(r.body, b"b\0in");
}

#[test]
fn mg_more_then_mg_poll_finishes_the_request() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/more?n=3");
    assert_eq!(r.text(), "start\ntick 1\ntick 2\ntick 3\ndone\n");
    // Keep-alive continues after an MG_MORE request.
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn long_poll_quieter_than_the_idle_timeout_still_gets_its_answer() {
    // 5.4 closed an MG_MORE request that did no IO for the idle timeout
    // (known bug 11). The handler here is silent for 1.5 idle timeouts
    // and then answers from MG_POLL: the answer must arrive, and the
    // connection stays usable.
    let srv = start_test_server(&["idle_timeout_ms=400"]);
    let mut s = srv.connect();
    let started = std::time::Instant::now();
    let r = get(&mut s, "/quiet?ms=600");
    assert_eq!(r.text(), "waiting\nanswer after 600 ms\n");
    assert!(started.elapsed() >= std::time::Duration::from_millis(600));
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn declined_request_gets_404_and_http_error_can_replace_it() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/decline");
    assert_eq!(
        fixed_dates(&r.raw),
        b"HTTP/1.1 404 Not Found\r\nDate: D\r\nContent-Length: 14\r\nContent-Type: text/plain\r\n\r\n404 Not Found\n"
    );
    // MG_HTTP_ERROR: mg_send_status works there (5.4 emitted no status line).
    let r = get(&mut s, "/decline?custom");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "custom 404 for /decline");
    // The handler reassigned conn->uri before returning MG_FALSE.
    let r = get(&mut s, "/reassign");
    assert_eq!(r.text(), "custom 404 for /reassigned");
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn request_fields_are_filled() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"POST /echo?x=1&y=%41 HTTP/1.1\r\nHost: h\r\nX-Test:  v1 \r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    let r = read_response(&mut s);
    let t = r.text();
    assert!(t.contains("method=POST\n"), "{t}");
    assert!(t.contains("uri=/echo\n"), "{t}");
    assert!(t.contains("version=1.1\n"), "{t}");
    assert!(t.contains("query=x=1&y=%41\n"), "{t}");
    assert!(t.contains("remote=127.0.0.1:1\n"), "{t}");
    assert!(t.contains("local=127.0.0.1:1\n"), "{t}");
    assert!(t.contains("num_headers=3\n"), "{t}");
    assert!(t.contains("header X-Test: v1\n"), "{t}");
    assert!(t.ends_with("content_len=5\nbody=hello"), "{t}");
}

/// `local_ip`/`local_port` are the accepting socket's address, whether the
/// listener is bound to one address (taken from it) or to all of them
/// (asked of each connection).
#[test]
fn local_address_is_the_accepting_sockets() {
    for listen in ["0", "127.0.0.1:0"] {
        let srv = start_test_server(&[listen]);
        let r = get(&mut srv.connect(), "/echo");
        let t = r.text();
        assert!(t.contains("local=127.0.0.1:1\n"), "{listen}: {t}");
        assert!(
            t.contains(&format!("local_port={}\n", srv.port)),
            "{listen}: {t}"
        );
    }
}

#[test]
fn uri_is_decoded_and_cleaned() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    for (target, expected) in [
        ("/hello", "/hello"),
        ("//hello", "/hello"),
        ("/%68ello", "/hello"),
        ("/../hello", "/hello"),
        ("/%2e%2e/hello", "/hello"),
    ] {
        let r = get(&mut s, target);
        assert_eq!(r.text(), format!("Hello [{expected}]"), "{target}");
    }
}

#[test]
fn get_header_is_case_insensitive() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"GET /header?name=x-custom HTTP/1.1\r\nHost: x\r\nX-Custom: yes\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).text(), "yes");
    s.write_all(b"GET /header?name=missing HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).text(), "(null)");
}

#[test]
fn mg_auth_false_gives_401_digest_challenge() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/private");
    assert_eq!(r.status, 401);
    let auth = r.header("WWW-Authenticate").unwrap();
    assert!(
        auth.starts_with("Digest qop=\"auth\", realm=\"mydomain.com\", nonce=\""),
        "{auth}"
    );
}

#[test]
fn keep_alive_rules_and_connection_param_lifetime() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    for i in 1..=3 {
        assert_eq!(get(&mut s, "/counter").text(), format!("count={i}"));
    }
    // HTTP/1.0 without keep-alive: the reply says close and the server closes.
    let raw = exchange_open(srv.port, b"GET /hello HTTP/1.0\r\n\r\n");
    let text = fixed_dates_text(&raw);
    assert!(
        text.starts_with("HTTP/1.1 200 OK\r\nDate: D\r\nConnection: close\r\n\r\n"),
        "{text}"
    );
    assert!(text.ends_with("Hello [/hello]"), "{text}");
    // HTTP/1.0 with keep-alive and a Content-Length reply stays open.
    let mut s = srv.connect();
    s.write_all(b"GET /raw HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).body, b"raw");
    s.write_all(b"GET /raw HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).body, b"raw");
}

#[test]
fn connection_close_is_honoured_and_announced() {
    let srv = start_test_server(&[]);
    let raw = exchange_open(
        srv.port,
        b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert!(text.ends_with("0\r\n\r\n"), "{text}");
    let raw = exchange_open(
        srv.port,
        b"GET /decline HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(String::from_utf8_lossy(&raw).contains("\r\nConnection: close\r\n"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let mut batch = Vec::new();
    for p in ["/hello", "/raw", "/counter", "/decline", "/more?n=1"] {
        batch.extend_from_slice(format!("GET {p} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    }
    batch.extend_from_slice(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /counter HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    s.write_all(&batch).unwrap();
    assert_eq!(read_response(&mut s).text(), "Hello [/hello]");
    assert_eq!(read_response(&mut s).body, b"raw");
    assert_eq!(read_response(&mut s).text(), "count=3");
    assert_eq!(read_response(&mut s).status, 404);
    assert_eq!(read_response(&mut s).text(), "start\ntick 1\ndone\n");
    assert!(read_response(&mut s).text().ends_with("body=abc"));
    assert_eq!(read_response(&mut s).text(), "count=7");
}

#[test]
fn request_split_across_many_writes() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let req = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789";
    for b in req.iter() {
        s.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(read_response(&mut s).text().ends_with("body=0123456789"));
}

#[test]
fn chunked_request_body_is_decoded() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        .unwrap();
    let t = read_response(&mut s).text();
    assert!(t.ends_with("content_len=11\nbody=hello world"), "{t}");
    assert_eq!(get(&mut s, "/hello").status, 200);
}

#[test]
fn expect_100_continue() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let interim = read_response(&mut s);
    assert_eq!(interim.raw, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"xyz").unwrap();
    assert!(read_response(&mut s).text().ends_with("body=xyz"));
}

#[test]
fn nothing_sent_closes_the_connection() {
    let srv = start_test_server(&[]);
    let raw = exchange_open(srv.port, b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(raw.is_empty());
}

#[test]
fn options_method_and_proxy_requests() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert!(r.header("Allow").unwrap().contains("GET"));
    s.write_all(b"GET http://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).status, 405);
    s.write_all(b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).status, 405);
    s.write_all(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).status, 501);
}

#[test]
fn iteration_and_mg_next_see_every_connection() {
    let srv = start_test_server(&[]);
    let mut others: Vec<_> = (0..3).map(|_| srv.connect()).collect();
    for o in others.iter_mut() {
        assert_eq!(get(o, "/hello").status, 200);
    }
    let mut s = srv.connect();
    assert_eq!(get(&mut s, "/iterate").text(), "iterated=4 next=4");
}

#[test]
fn mg_close_fires_once_per_connection_and_destroy_cleans_up() {
    let srv = start_test_server(&[]);
    for _ in 0..5 {
        let mut s = srv.connect();
        assert_eq!(get(&mut s, "/hello").status, 200);
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut s = srv.connect();
    assert_eq!(get(&mut s, "/stats").text(), "closes=5");
    let rest = srv.stop();
    assert!(rest.contains("destroyed=1"), "{rest}");
}

#[test]
fn null_arguments_inside_a_handler_do_not_crash() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let r = get(&mut s, "/null_args");
    assert!(r.text().ends_with("survived"), "{:?}", r.text());
}

#[test]
fn large_chunked_reply_to_a_slow_reader() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"GET /big?n=5000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let r = read_response(&mut s);
    assert_eq!(r.body.len(), 5_000_000);
    assert!(r.body.iter().all(|&b| b == b'x'));
}

#[test]
fn curl_gets_hello() {
    let srv = start_test_server(&[]);
    let out = curl(&[&srv.url("/hello"), &srv.url("/counter")]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello [/hello]count=2"
    );
    let out = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &srv.url("/decline"),
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "404");
    let out = curl(&["-d", "a=1&b=2", &srv.url("/echo")]);
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("body=a=1&b=2"));
}

#[test]
fn peer_half_close_after_request_still_gets_the_reply() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    shutdown_write(&s);
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(
        text.contains("Hello [/hello]") && text.ends_with("raw"),
        "{text}"
    );
}

#[test]
fn head_request_to_a_handler_gets_no_body_and_keeps_the_stream_in_sync() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response_for(&mut s, true);
    assert_eq!(
        fixed_dates(&r.raw),
        b"HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    assert_eq!(get(&mut s, "/hello").text(), "Hello [/hello]");
}

#[test]
fn raw_reply_to_head_keeps_the_stream_in_sync() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"HEAD /raw HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response_for(&mut s, true);
    assert_eq!(r.raw, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
    assert_eq!(read_response(&mut s).text(), "Hello [/hello]");
}

#[test]
fn half_close_during_mg_more_closes_after_the_reply() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    s.write_all(b"GET /more?n=3 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    shutdown_write(&s);
    let start = std::time::Instant::now();
    let all = read_to_close(&mut s);
    assert!(
        String::from_utf8_lossy(&all).contains("done"),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "closed after {:?}",
        start.elapsed()
    );
}

#[test]
fn pipeline_flood_behind_a_long_request_stays_cheap_and_fair() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    let mut batch = b"GET /more?n=20 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    for _ in 0..100_000 {
        batch.extend_from_slice(b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    let writer = {
        let mut w = s.try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = w.write_all(&batch);
        })
    };
    // Another client is served promptly meanwhile.
    std::thread::sleep(Duration::from_millis(200));
    let start = std::time::Instant::now();
    let mut other = srv.connect();
    assert_eq!(get(&mut other, "/hello").status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "other client waited {:?}",
        start.elapsed()
    );
    // Every pipelined request is answered, in order.
    assert!(read_response(&mut s).text().ends_with("done\n"));
    for _ in 0..100_000 {
        assert_eq!(read_response(&mut s).body, b"raw");
    }
    writer.join().unwrap();
}
