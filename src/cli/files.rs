//! Writing files without ever destroying one: every file escalate writes goes to a temporary
//! file in the same folder and is renamed into place only once complete (a full disk leaves
//! the old file as it was); a run's own inputs are never written over; an existing file is
//! replaced only with `--force` (or, for `fmt`, which rewrites the policies it is given).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why an output file was refused before anything was written.
#[derive(Debug)]
pub enum Refused {
    /// The file is one of the run's inputs.
    Input {
        /// The output path, as given.
        path: PathBuf,
        /// The input it is, as given.
        input: PathBuf,
    },
    /// The file exists and `--force` was not given.
    Exists(PathBuf),
    /// The path names a folder.
    Folder(PathBuf),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Input { path, input } if path == input => write!(
                f,
                "`{}` is one of this run's inputs; escalate never writes over its inputs: \
                 choose another file for --out",
                path.display()
            ),
            Refused::Input { path, input } => write!(
                f,
                "`{}` is the same file as the input `{}`; escalate never writes over its \
                 inputs: choose another file for --out",
                path.display(),
                input.display()
            ),
            Refused::Exists(path) => write!(
                f,
                "`{}` already exists; add --force to replace it, or choose another file",
                path.display()
            ),
            Refused::Folder(path) => write!(
                f,
                "`{}` is a folder; --out needs a file name",
                path.display()
            ),
        }
    }
}

/// Checks, before any work, that `path` may be written: it is none of `inputs` (compared as
/// files, so another spelling, a link or a hard link of an input is caught too) and, unless
/// `force`, does not exist yet.
pub fn check_output(path: &Path, inputs: &[PathBuf], force: bool) -> Result<(), Refused> {
    let Ok(metadata) = std::fs::metadata(path) else {
        return Ok(());
    };
    if metadata.is_dir() {
        return Err(Refused::Folder(path.to_path_buf()));
    }
    if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
        return Err(Refused::Input {
            path: path.to_path_buf(),
            input: input.clone(),
        });
    }
    match force {
        true => Ok(()),
        false => Err(Refused::Exists(path.to_path_buf())),
    }
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(a_meta), Ok(b_meta)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if a_meta.dev() == b_meta.dev() && a_meta.ino() == b_meta.ino() {
            return true;
        }
    }
    let _ = (a_meta, b_meta);
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Writes `path` through `write`: into a new temporary file beside it, synced, then renamed
/// over `path`. On any failure the temporary file is removed and `path` is left as it was.
/// An existing file keeps its permissions; a link is followed, and the file it points to is
/// replaced.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (temporary, file) = temporary_beside(&target)?;
    let written = (|| {
        if let Ok(metadata) = std::fs::metadata(&target) {
            file.set_permissions(metadata.permissions())?;
        }
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temporary, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A new file in `target`'s folder, named after it, that did not exist before.
fn temporary_beside(target: &Path) -> std::io::Result<(PathBuf, File)> {
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let mut attempt = 0u32;
    loop {
        let temporary = folder.join(format!(
            ".{name}.escalate-{}-{attempt}.tmp",
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
