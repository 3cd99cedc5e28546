//! Tests against a moto server over real HTTP (see tests/support/moto.rs).

#[path = "support/moto.rs"]
mod moto;

#[test]
fn the_moto_server_answers() {
    let url = moto::url();
    // moto answers its dashboard page: the server is up.
    let addr = url.trim_start_matches("http://");
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET /moto-api/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    let a = moto::fresh_account();
    assert_eq!(a.len(), 12);
    assert_ne!(a, moto::fresh_account());
}
