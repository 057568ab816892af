//! Helpers shared by the integration tests that drive the `kefu` binary.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;

/// `kefu` run from the package root with only a minimal environment whose home and XDG
/// directories lie under `home`, stopped after `timeout`.
pub fn kefu_in(home: &Path, timeout: Duration) -> Command {
    let mut cmd = cargo_bin_cmd!("kefu");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_clear();
    // Keep what a coverage run needs; everything else is made up here.
    for keep in ["PATH", "LLVM_PROFILE_FILE"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb");
    cmd.timeout(timeout);
    cmd
}

/// The outcome of one run, with text decoded. Every run is checked for a panic.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(cmd: &mut Command) -> Run {
        let out = cmd.output().expect("run kefu");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "kefu panicked:\n{}",
            run.stderr
        );
        run
    }

    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}
