//! What the command's tests share: a folder of files and the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder for one test's files.
pub(crate) fn folder(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cookie-consent-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the command: (exit code, stdout, stderr).
pub(crate) fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cookie-consent"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}
