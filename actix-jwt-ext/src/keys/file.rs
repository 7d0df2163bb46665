//! Reading one key file of a directory: a regular file only, of bounded size, holding one PEM
//! key, and without ever blocking (a FIFO is refused, not waited on).

use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::Path;

/// The PEM text of the key file `path`, or why it cannot be one. The reason names the file and
/// never repeats its content.
///
/// - Only a regular file (or a symbolic link to one) is read: a FIFO, socket, device or
///   directory is refused. The type is checked with `stat(2)` before opening, and again on the
///   opened handle, which is opened with `O_NONBLOCK` (on Unix) so that a FIFO swapped in
///   between cannot block `open(2)` until something writes to it.
/// - A file larger than `limit` bytes is refused before it is read, and at most `limit + 1`
///   bytes are ever read, so that a file growing meanwhile is refused too.
/// - A file holding more than one PEM block is refused: only one of them would be used. An
///   `EC PARAMETERS` block (written by `openssl ecparam -genkey`) next to the key is allowed.
pub(crate) fn read_pem_file(path: &Path, limit: u64) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    check(path, &meta, limit)?;
    let file = open(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
    // The file may have been replaced since the `stat`: check what was opened.
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    check(path, &meta, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{shown} grew past the limit of {limit} bytes for a key file while it was read"
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{shown} is not a PEM file (not UTF-8 text)"))?;
    let blocks = key_blocks(&text);
    if blocks.len() > 1 {
        return Err(format!(
            "{shown} holds {} PEM blocks ({}); a key file holds one key",
            blocks.len(),
            blocks.join(", ")
        ));
    }
    Ok(text)
}

/// A regular file of at most `limit` bytes.
fn check(path: &Path, meta: &Metadata, limit: u64) -> Result<(), String> {
    let shown = path.display();
    if !meta.is_file() {
        return Err(format!(
            "{shown} is {}, not a regular file",
            kind(meta.file_type())
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "{shown} is {} bytes, more than the limit of {limit} bytes for a key file",
            meta.len()
        ));
    }
    Ok(())
}

/// Opens for reading without blocking: `O_NONBLOCK` makes `open(2)` of a FIFO return at once
/// (it has no effect on regular files), `O_NOCTTY` keeps a terminal from becoming the
/// process's controlling terminal.
#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is not a regular file is, for messages.
fn kind(file_type: FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "a special file"
}

/// The labels of the PEM blocks of `text` (`PRIVATE KEY`, `CERTIFICATE`...), but for an
/// `EC PARAMETERS` block, which only names the curve of the key that follows it. A label that
/// is not a plain one (capitals, digits, spaces) is shown as `?`.
fn key_blocks(text: &str) -> Vec<String> {
    const BEGIN: &str = "-----BEGIN ";
    text.match_indices(BEGIN)
        .filter_map(|(at, _)| {
            let rest = &text[at + BEGIN.len()..];
            let label = rest.split("-----").next().unwrap_or_default();
            let plain = label.len() <= 40
                && label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
            match label {
                "EC PARAMETERS" => None,
                _ if plain => Some(label.to_owned()),
                _ => Some("?".to_owned()),
            }
        })
        .collect()
}

/// Creates a FIFO at `path` for tests (with the `mkfifo` command: the crate forbids `unsafe`).
#[cfg(all(test, unix))]
pub(crate) fn make_fifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_counted_but_for_ec_parameters() {
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(key_blocks(key), ["PRIVATE KEY"]);
        let sec1 = "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n\
                    -----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(key_blocks(sec1), ["EC PRIVATE KEY"]);
        let two = format!("{key}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(key_blocks(&two), ["PRIVATE KEY", "CERTIFICATE"]);
        let odd = "-----BEGIN <script>-----\n-----BEGIN PUBLIC KEY-----";
        assert_eq!(key_blocks(odd), ["?", "PUBLIC KEY"]);
        assert!(key_blocks("not a key").is_empty());
    }

    /// A FIFO swapped in after the `stat`: the open itself returns at once (no writer), and
    /// the check on the opened handle refuses it.
    #[cfg(unix)]
    #[test]
    fn opening_a_fifo_does_not_wait_for_a_writer() {
        let dir = std::env::temp_dir().join(format!("actix-jwt-ext-open-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("k9.pem");
        make_fifo(&fifo);
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let checked = open(&path)
                .and_then(|f| f.metadata())
                .map(|meta| check(&path, &meta, 1024).unwrap_err());
            let _ = tx.send(checked);
        });
        let e = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("open(2) of a FIFO blocked for 5 s")
            .unwrap();
        assert_eq!(
            e,
            format!(
                "{} is a FIFO (named pipe), not a regular file",
                fifo.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
