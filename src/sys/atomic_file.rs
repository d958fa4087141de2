//! A file written whole or not at all: a new temporary file in the same folder, renamed over
//! the path once complete, so a run stopped half-way never leaves half a file (a trace, an
//! exported result). The temporary file is made new (`O_EXCL`, so never through a link someone
//! planted) under a name nobody can guess, and registered for removal should a second stop
//! signal end us at once.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `path` through `fill`, which returns false to give up (a stop came meanwhile): then
/// nothing is left behind and `Ok(false)` is returned.
pub fn save(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<bool>,
) -> std::io::Result<bool> {
    let (file, temporary) = new_temporary(path)?;
    let identity = {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata()?;
        (meta.dev(), meta.ino(), meta.uid())
    };
    let token = super::cleanup::register(temporary.clone(), identity);
    let mut out = std::io::BufWriter::new(file);
    let finished = fill(&mut out).and_then(|done| out.flush().map(|()| done));
    let result = match finished {
        Ok(true) => std::fs::rename(&temporary, path).map(|()| true),
        Ok(false) => Ok(false),
        Err(e) => Err(e),
    };
    if !matches!(result, Ok(true)) {
        let _ = std::fs::remove_file(&temporary);
    }
    super::cleanup::unregister(token);
    result
}

/// A new file beside `path`, under a name nobody can guess, never one that exists already.
fn new_temporary(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let salt = u64::from(nanos) ^ (u64::from(std::process::id()) << 32) ^ u64::from(attempt);
        let temporary = path.with_file_name(format!(".{name}.{salt:016x}.tmp"));
        // create_new is O_CREAT|O_EXCL: it fails on anything there, a symbolic link included.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((file, temporary)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
