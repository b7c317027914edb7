//! Outgoing connections with mg_connect: MG_CONNECT, MG_REPLY (with a
//! length, chunked, until close), and connect failures.

mod common;

use common::*;
use std::net::TcpListener;

fn fetch(srv: &Server, port: u16, path: &str) -> String {
    let mut s = srv.connect();
    get(&mut s, &format!("/fetch?port={port}&path={path}")).text()
}

#[test]
fn mg_connect_relays_replies() {
    let bin = compile_c("client_test", &[]);
    let srv = Server::start(&bin, &[]);
    assert_eq!(fetch(&srv, srv.port, "/hello"), "status=200 body=Hello");
    assert_eq!(
        fetch(&srv, srv.port, "/chunked"),
        "status=200 body=chunked body"
    );
    assert_eq!(
        fetch(&srv, srv.port, "/close"),
        "status=200 body=until close"
    );
    assert_eq!(
        fetch(&srv, srv.port, "/missing"),
        "status=404 body=404 Not Found\n"
    );
    // No length and no body, ended by close: one empty MG_REPLY.
    assert_eq!(fetch(&srv, srv.port, "/empty"), "status=200 body=");
    // Replies are parsed leniently (the strict rules are for requests):
    // bare LF line ends in the head and in the chunked framing.
    assert_eq!(fetch(&srv, srv.port, "/lenient"), "status=200 body=hello");
}

#[test]
fn mg_connect_failure_gives_mg_close_with_errno() {
    let bin = compile_c("client_test", &[]);
    let srv = Server::start(&bin, &[]);
    // A port nobody listens on: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_eq!(
        fetch(&srv, port, "/x"),
        format!("connect failed: {}", libc::ECONNREFUSED)
    );
}
