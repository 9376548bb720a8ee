//! Reading an input file (a scenario, an expectations file) whole, within limits:
//! only a regular file, and at most [`MAX_INPUT_BYTES`]. A FIFO would block the
//! read forever and a device such as `/dev/zero` never ends, so what a path names
//! is checked before it is opened, and again on the open file.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// Largest input file read, in bytes (8 MiB). The largest bundled scenario is a few
/// kilobytes; a scenario of a million characters is already machine-made.
pub const MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024;

/// The text of the regular file at `path`, if it is at most [`MAX_INPUT_BYTES`]
/// long and UTF-8. A link is followed to what it names.
pub fn read_text(path: &Path) -> io::Result<String> {
    let metadata = fs::metadata(path)?;
    check_kind(&metadata)?;
    check_size(metadata.len())?;
    let file = open_without_blocking(path)?;
    // The path may have been replaced between the look and the open: what counts is
    // the file opened.
    let opened = file.metadata()?;
    check_kind(&opened)?;
    check_size(opened.len())?;
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    // One byte more than the limit tells a file that grew past it from one at it.
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    check_size(bytes.len() as u64)?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"))
}

fn check_size(bytes: u64) -> io::Result<()> {
    if bytes > MAX_INPUT_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the file is larger than the {} MiB an input file may be", MAX_INPUT_BYTES >> 20),
        ));
    }
    Ok(())
}

fn check_kind(metadata: &fs::Metadata) -> io::Result<()> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", kind_of(metadata)),
    ))
}

/// What a file that is not a regular file is, in words.
fn kind_of(metadata: &fs::Metadata) -> &'static str {
    if metadata.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "a special file"
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Opening a FIFO for reading blocks until a writer comes; O_NONBLOCK returns at
    // once, and the check of the opened file then refuses it. A regular file reads
    // the same either way.
    fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.toml");
        fs::write(&small, "name = \"x\"\n").unwrap();
        assert_eq!(read_text(&small).unwrap(), "name = \"x\"\n");

        let at_limit = dir.path().join("at_limit.toml");
        fs::write(&at_limit, vec![b'#'; MAX_INPUT_BYTES as usize]).unwrap();
        assert_eq!(read_text(&at_limit).unwrap().len() as u64, MAX_INPUT_BYTES);
        let over = dir.path().join("over.toml");
        fs::write(&over, vec![b'#'; MAX_INPUT_BYTES as usize + 1]).unwrap();
        assert!(read_text(&over).unwrap_err().to_string().contains("larger than the 8 MiB"));

        let message = read_text(dir.path()).unwrap_err().to_string();
        assert!(message.contains("a directory, not a regular file"), "{message}");
        let message = read_text(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(message.contains("a device, not a regular file"), "{message}");

        let binary = dir.path().join("binary.toml");
        fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert!(read_text(&binary).unwrap_err().to_string().contains("not UTF-8"));
    }
}
