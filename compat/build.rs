//! Records the locked versions of the in-process client crates, so COMPAT.md
//! can say exactly which versions ran.

fn main() {
    let lock = std::fs::read_to_string("../Cargo.lock").unwrap_or_default();
    println!("cargo:rerun-if-changed=../Cargo.lock");
    for (package, variable) in [
        ("tokio-postgres", "COMPAT_TOKIO_POSTGRES_VERSION"),
        ("sqlx", "COMPAT_SQLX_VERSION"),
        ("postgres-native-tls", "COMPAT_POSTGRES_NATIVE_TLS_VERSION"),
    ] {
        let header = format!("name = \"{package}\"\nversion = \"");
        let version = lock
            .split_once(&header)
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or("unknown");
        println!("cargo:rustc-env={variable}={version}");
    }
}
