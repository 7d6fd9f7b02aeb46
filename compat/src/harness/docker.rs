//! Docker-only clients (Npgsql, the driver inside Power BI, needs .NET) run in
//! containers where a Docker engine answers; elsewhere they are reported as not
//! run. The probe is bounded in time, so a missing engine never hangs a run.

use std::time::Duration;

/// `Ok` when a Docker engine answers `docker info` within a few seconds,
/// otherwise why not.
pub async fn engine() -> Result<(), String> {
    let probe = tokio::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    match tokio::time::timeout(Duration::from_secs(5), probe).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(_)) => Err("no Docker engine (docker info failed)".into()),
        Ok(Err(_)) => Err("no Docker engine (docker CLI not installed)".into()),
        Err(_) => Err("no Docker engine (docker info timed out)".into()),
    }
}
