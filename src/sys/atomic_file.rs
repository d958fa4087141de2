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
    match prepare(path, fill)? {
        Some(ready) => ready.commit().map(|()| true),
        None => Ok(false),
    }
}

/// A complete temporary file, not yet in place: `commit` renames it over its path; dropping it
/// removes it. Several can be prepared and then committed together, so a set of files is all
/// new or all as it was.
pub struct Prepared {
    temporary: PathBuf,
    path: PathBuf,
    token: u64,
    committed: bool,
}

impl Prepared {
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.temporary, &self.path)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
        super::cleanup::unregister(self.token);
    }
}

/// Writes the temporary file for `path` through `fill` (None when `fill` gave up). It gets
/// the permission bits of the file it will replace, if there is one.
pub fn prepare(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<bool>,
) -> std::io::Result<Option<Prepared>> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let (file, temporary) = new_temporary(path)?;
    let identity = {
        let meta = file.metadata()?;
        (meta.dev(), meta.ino(), meta.uid())
    };
    let token = super::cleanup::register(temporary.clone(), identity);
    let prepared = Prepared {
        temporary,
        path: path.to_path_buf(),
        token,
        committed: false,
    };
    if let Ok(old) = std::fs::symlink_metadata(path)
        && old.is_file()
    {
        file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))?;
    }
    let mut out = std::io::BufWriter::new(file);
    let finished = fill(&mut out)? && {
        out.flush()?;
        true
    };
    Ok(finished.then_some(prepared))
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
