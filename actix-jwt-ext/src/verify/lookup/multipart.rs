//! Just enough `multipart/form-data` (RFC 7578) to read one text field, for the CSRF
//! form-field fallback: Flask's `request.form` includes multipart fields.

/// The value of the first part named `field` that is not a file upload.
pub(super) fn field(content_type: &str, body: &[u8], field: &str) -> Option<String> {
    let boundary = content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let mut rest = body;
    loop {
        let start = find(rest, delimiter.as_bytes())? + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return None;
        }
        let rest_of_line = find(rest, b"\r\n")? + 2;
        rest = &rest[rest_of_line..];
        let headers_end = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..headers_end]);
        let content = &rest[headers_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        if part_name(&headers).as_deref() == Some(field) {
            return Some(String::from_utf8_lossy(&content[..end]).into_owned());
        }
        rest = &content[end..];
    }
}

/// The `name` of a part's `Content-Disposition: form-data; name="..."`, unless it is a file.
fn part_name(headers: &str) -> Option<String> {
    let disposition = headers.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(v)
    })?;
    let mut name = None;
    for param in disposition.split(';').skip(1) {
        let (k, v) = param.split_once('=')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "filename" => return None,
            "name" => name = Some(v.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    name
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=\"b1\"";

    #[test]
    fn finds_text_fields_and_skips_files() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"up\"; filename=\"x\"\r\n\r\nfile\r\n--b1\r\ncontent-disposition: form-data; name=\"csrf_token\"\r\n\r\nv a l\r\n--b1--\r\n";
        assert_eq!(field(CT, body, "csrf_token").as_deref(), Some("v a l"));
        assert_eq!(field(CT, body, "up"), None);
        assert_eq!(field(CT, body, "missing"), None);
    }

    #[test]
    fn malformed_bodies_give_nothing() {
        for body in [
            &b""[..],
            b"--b1",
            b"--b1\r\n",
            b"--b1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"garbage",
        ] {
            assert_eq!(field(CT, body, "a"), None);
        }
        assert_eq!(field("multipart/form-data", b"--\r\n", "a"), None);
    }
}
