//! Bad configuration through the real binary: the process refuses to start with one
//! clear line naming the variable (never a panic, never a value that leaves the
//! service unusable or a password in the log).

use std::process::Command;

/// Runs `shonen migrate` (which reads the whole configuration, then exits) with one
/// variable set; returns whether it succeeded and what it printed.
fn migrate_with(name: &str, value: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shonen"))
        .arg("migrate")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SHONEN_DATA_DIR", dir.path())
        .env(name, value)
        .output()
        .expect("run shonen migrate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn values_that_would_leave_the_service_unusable_are_refused() {
    for (name, value) in [
        ("SHONEN_WORKERS", "0"),
        ("SHONEN_WORKERS", "4000000"),
        ("SHONEN_RATE_LIMIT_PER_MINUTE", "0"),
        ("SHONEN_LOGIN_ATTEMPTS_PER_MINUTE", "0"),
        ("SHONEN_REGISTRATIONS_PER_HOUR", "0"),
        ("SHONEN_OBJECT_STORE_URL", "ftp://bucket/x"),
        ("SHONEN_OBJECT_STORE_URL", "S3://bucket/x"),
        ("SHONEN_WORKERS", "many"),
    ] {
        let (ok, text) = migrate_with(name, value);
        assert!(!ok, "{name}={value} was accepted:\n{text}");
        assert!(
            text.contains(name),
            "{name}={value}: the message names it:\n{text}"
        );
        assert!(!text.contains("panicked"), "{name}={value}:\n{text}");
    }
    // The defaults, and sensible values, start.
    let (ok, text) = migrate_with("SHONEN_WORKERS", "16");
    assert!(ok, "{text}");
}

#[test]
fn a_database_url_of_another_scheme_is_refused_without_its_password() {
    let (ok, text) = migrate_with("SHONEN_DATABASE_URL", "mysql://u:secretpw@127.0.0.1/x");
    assert!(!ok, "{text}");
    assert!(text.contains("SHONEN_DATABASE_URL"), "{text}");
    assert!(
        !text.contains("secretpw"),
        "the password is printed:\n{text}"
    );
}
