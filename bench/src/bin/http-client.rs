//! A minimal keep-alive HTTP/1.1 client for the callgrind runs: sends `N` sequential
//! `GET <path>` requests on one connection, checks every answer (status 200, and the body when
//! `EXPECT` is set), and reports the count.
//!
//! ```text
//! http-client 127.0.0.1:8000 /protected 1200 [TOKEN]
//! ```

use std::error::Error;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, path, n, rest @ ..] = args.as_slice() else {
        return Err("usage: http-client ADDR PATH N [TOKEN]".into());
    };
    let n: usize = n.parse()?;
    let auth = match rest.first() {
        Some(token) => format!("Authorization: Bearer {token}\r\n"),
        None => String::new(),
    };
    let expect = std::env::var("EXPECT").ok();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n");

    let stream = TcpStream::connect(addr.as_str())?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    for i in 0..n {
        writer.write_all(request.as_bytes())?;
        line.clear();
        reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(format!("request {i}: {}", line.trim_end()).into());
        }
        let mut length = None;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err("connection closed".into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.trim().parse::<usize>()?);
                }
            }
        }
        let length = length.ok_or("no Content-Length")?;
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        if let Some(want) = &expect {
            if body != want.as_bytes() {
                return Err(
                    format!("request {i}: body {:?}", String::from_utf8_lossy(&body)).into(),
                );
            }
        }
    }
    println!("{n} requests ok");
    Ok(())
}
