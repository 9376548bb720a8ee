//! Embeds the commit this program is built from, for `attrition bench --json`, so a
//! benchmark record names the code it measured.
//!
//! `ATTRITION_COMMIT` in the build's environment wins (for builds from a source
//! archive); else `git rev-parse HEAD`; else "unknown". Only git's HEAD and the
//! branch's ref are watched, so the crate is not rebuilt when other branches move.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ATTRITION_COMMIT");
    let commit = std::env::var("ATTRITION_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
        .or_else(|| {
            watch_git_head();
            git(&["rev-parse", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=ATTRITION_COMMIT={commit}");
}

/// Asks cargo to rerun this script when HEAD moves: HEAD itself (a checkout) and the
/// branch it points to (a commit), loose or packed. A watched file that does not
/// exist would rerun the script, and so rebuild the crate, on every build: only
/// existing files are named.
fn watch_git_head() {
    let mut watched = vec!["HEAD".to_owned()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    watched.push("packed-refs".to_owned());
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name])
            && Path::new(&path).is_file()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// One line of git's output, or None where git or the repository is missing.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let line = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}
