//! Per-session run-time settings (GUCs): what SET, SHOW, RESET, `current_setting()`,
//! `set_config()`, `SHOW ALL` and `pg_settings` read and write (SPEC §6).

use std::collections::BTreeMap;

use crate::encode::{EncodeOptions, SessionTimeZone};
use crate::errors::{sqlstate, PgError};

/// The PostgreSQL version DataPress presents: the catalog shape it emulates and
/// the oracle it is tested against.
pub const SERVER_VERSION: &str = "15.0";
/// `server_version_num` for [`SERVER_VERSION`].
pub const SERVER_VERSION_NUM: &str = "150000";

/// How a setting may be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// SET works.
    User,
    /// Fixed for the server: SET fails with 55P02.
    Internal,
}

/// One known setting.
struct Def {
    /// The canonical name (its case is what SHOW names the column).
    name: &'static str,
    /// Its default.
    default: &'static str,
    /// Sent as ParameterStatus at startup and when it changes (PG's GUC_REPORT).
    report: bool,
    access: Access,
    /// Checks and normalises a new value.
    check: fn(&str) -> Result<String, String>,
    description: &'static str,
}

fn any(v: &str) -> Result<String, String> {
    Ok(v.to_string())
}

fn utf8_only(v: &str) -> Result<String, String> {
    let norm = v
        .trim()
        .trim_matches('\'')
        .to_ascii_uppercase()
        .replace(['-', '_'], "");
    if norm == "UTF8" || norm == "UNICODE" {
        Ok("UTF8".into())
    } else {
        Err(format!(
            "invalid value for parameter \"client_encoding\": \"{v}\""
        ))
    }
}

fn date_style(v: &str) -> Result<String, String> {
    let mut style = "ISO";
    let mut order = "MDY";
    for part in v.split(',').map(|p| p.trim().to_ascii_uppercase()) {
        match part.as_str() {
            "ISO" => style = "ISO",
            "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => order = "MDY",
            "DMY" | "EURO" | "EUROPEAN" => order = "DMY",
            "YMD" => order = "YMD",
            "" => {}
            _ => {
                return Err(format!(
                    "DataPress only supports DateStyle ISO, not \"{v}\""
                ))
            }
        }
    }
    Ok(format!("{style}, {order}"))
}

fn interval_style(v: &str) -> Result<String, String> {
    if v.eq_ignore_ascii_case("postgres") {
        Ok("postgres".into())
    } else {
        Err(format!(
            "DataPress only supports IntervalStyle postgres, not \"{v}\""
        ))
    }
}

fn time_zone(v: &str) -> Result<String, String> {
    match SessionTimeZone::parse(v) {
        Some(SessionTimeZone::Named(tz)) => Ok(tz.name().to_string()),
        Some(SessionTimeZone::Fixed(_)) => Ok(v.trim().to_string()),
        None => Err(format!("invalid value for parameter \"TimeZone\": \"{v}\"")),
    }
}

fn float_digits(v: &str) -> Result<String, String> {
    match v.trim().parse::<i32>() {
        Ok(n) if (-15..=3).contains(&n) => Ok(n.to_string()),
        _ => Err(format!(
            "invalid value for parameter \"extra_float_digits\": \"{v}\""
        )),
    }
}

/// A duration setting's value in milliseconds: a number of ms, or a number
/// with a unit (`ms`, `s`, `min`, `h`), at most PostgreSQL's `INT_MAX` ms.
fn parse_ms(v: &str) -> Option<u64> {
    let t = v.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(scale).filter(|&ms| ms <= i32::MAX as u64)
}

fn duration_ms(v: &str) -> Result<String, String> {
    let ms = parse_ms(v).ok_or_else(|| format!("invalid value for parameter: \"{v}\""))?;
    Ok(if ms == 0 {
        "0".into()
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    })
}

fn only(allowed: &'static [&'static str]) -> impl Fn(&str) -> Result<String, String> {
    move |v: &str| {
        let lower = v.trim().to_ascii_lowercase();
        allowed
            .iter()
            .find(|a| **a == lower)
            .map(|a| a.to_string())
            .ok_or_else(|| {
                format!(
                    "invalid value \"{v}\" (DataPress supports: {})",
                    allowed.join(", ")
                )
            })
    }
}

fn on_only(v: &str) -> Result<String, String> {
    only(&["on"])(v)
}
fn bytea_hex(v: &str) -> Result<String, String> {
    only(&["hex"])(v)
}
fn isolation(v: &str) -> Result<String, String> {
    only(&[
        "read uncommitted",
        "read committed",
        "repeatable read",
        "serializable",
    ])(v)
}
fn message_level(v: &str) -> Result<String, String> {
    only(&[
        "debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error",
    ])(v)
}

const DEFS: &[Def] = &[
    Def {
        name: "jit",
        default: "off",
        report: false,
        access: Access::User,
        check: any,
        description: "Allow JIT compilation (DataPress has none).",
    },
    Def {
        name: "ssl_renegotiation_limit",
        default: "0",
        report: false,
        access: Access::User,
        check: any,
        description: "Obsolete; accepted for old clients (Npgsql 4.0 sends it at startup).",
    },
    Def {
        name: "application_name",
        default: "",
        report: true,
        access: Access::User,
        check: any,
        description: "Sets the application name to be reported in statistics and logs.",
    },
    Def {
        name: "bytea_output",
        default: "hex",
        report: false,
        access: Access::User,
        check: bytea_hex,
        description: "Sets the output format for bytea.",
    },
    Def {
        name: "client_encoding",
        default: "UTF8",
        report: true,
        access: Access::User,
        check: utf8_only,
        description: "Sets the client's character set encoding.",
    },
    Def {
        name: "client_min_messages",
        default: "notice",
        report: false,
        access: Access::User,
        check: message_level,
        description: "Sets the message levels that are sent to the client.",
    },
    Def {
        name: "DateStyle",
        default: "ISO, MDY",
        report: true,
        access: Access::User,
        check: date_style,
        description: "Sets the display format for date and time values.",
    },
    Def {
        name: "default_transaction_isolation",
        default: "read committed",
        report: false,
        access: Access::User,
        check: isolation,
        description: "Sets the transaction isolation level of each new transaction.",
    },
    Def {
        name: "default_transaction_read_only",
        default: "on",
        report: true,
        access: Access::User,
        check: on_only,
        description: "Sets the default read-only status of new transactions.",
    },
    Def {
        name: "extra_float_digits",
        default: "1",
        report: false,
        access: Access::User,
        check: float_digits,
        description: "Sets the number of digits displayed for floating-point values.",
    },
    Def {
        name: "idle_in_transaction_session_timeout",
        default: "0",
        report: false,
        access: Access::User,
        check: duration_ms,
        description: "Sets the maximum allowed idle time between queries, when in a transaction.",
    },
    Def {
        name: "idle_session_timeout",
        default: "0",
        report: false,
        access: Access::User,
        check: duration_ms,
        description:
            "Sets the maximum allowed idle time between queries, when not in a transaction.",
    },
    Def {
        name: "in_hot_standby",
        default: "off",
        report: true,
        access: Access::Internal,
        check: any,
        description: "Shows whether hot standby is currently active.",
    },
    Def {
        name: "integer_datetimes",
        default: "on",
        report: true,
        access: Access::Internal,
        check: any,
        description: "Shows whether datetimes are integer based.",
    },
    Def {
        name: "IntervalStyle",
        default: "postgres",
        report: true,
        access: Access::User,
        check: interval_style,
        description: "Sets the display format for interval values.",
    },
    Def {
        name: "is_superuser",
        default: "off",
        report: true,
        access: Access::Internal,
        check: any,
        description: "Shows whether the current user is a superuser.",
    },
    Def {
        name: "lc_collate",
        default: "C.UTF-8",
        report: false,
        access: Access::Internal,
        check: any,
        description: "Shows the collation order locale.",
    },
    Def {
        name: "lc_ctype",
        default: "C.UTF-8",
        report: false,
        access: Access::Internal,
        check: any,
        description: "Shows the character classification and case conversion locale.",
    },
    Def {
        name: "lc_messages",
        default: "C.UTF-8",
        report: false,
        access: Access::User,
        check: any,
        description: "Sets the language in which messages are displayed.",
    },
    Def {
        name: "lock_timeout",
        default: "0",
        report: false,
        access: Access::User,
        check: duration_ms,
        description: "Sets the maximum allowed duration of any wait for a lock.",
    },
    Def {
        name: "max_identifier_length",
        default: "63",
        report: false,
        access: Access::Internal,
        check: any,
        description: "Shows the maximum identifier length.",
    },
    Def {
        name: "search_path",
        default: "\"$user\", public",
        report: false,
        access: Access::User,
        check: any,
        description: "Sets the schema search order for names that are not schema-qualified.",
    },
    Def {
        name: "server_encoding",
        default: "UTF8",
        report: true,
        access: Access::Internal,
        check: any,
        description: "Shows the server (database) character set encoding.",
    },
    Def {
        name: "server_version",
        default: SERVER_VERSION,
        report: true,
        access: Access::Internal,
        check: any,
        description: "Shows the server version.",
    },
    Def {
        name: "server_version_num",
        default: SERVER_VERSION_NUM,
        report: false,
        access: Access::Internal,
        check: any,
        description: "Shows the server version as an integer.",
    },
    Def {
        name: "session_authorization",
        default: "",
        report: true,
        access: Access::Internal,
        check: any,
        description: "Sets the session user name.",
    },
    Def {
        name: "standard_conforming_strings",
        default: "on",
        report: true,
        access: Access::User,
        check: on_only,
        description: "Causes '...' strings to treat backslashes literally.",
    },
    Def {
        name: "statement_timeout",
        default: "0",
        report: false,
        access: Access::User,
        check: duration_ms,
        description: "Sets the maximum allowed duration of any statement.",
    },
    Def {
        name: "TimeZone",
        default: "UTC",
        report: true,
        access: Access::User,
        check: time_zone,
        description: "Sets the time zone for displaying and interpreting time stamps.",
    },
    Def {
        name: "transaction_isolation",
        default: "read committed",
        report: false,
        access: Access::User,
        check: isolation,
        description: "Sets the current transaction's isolation level.",
    },
    Def {
        name: "transaction_read_only",
        default: "on",
        report: false,
        access: Access::User,
        check: on_only,
        description: "Sets the current transaction's read-only status.",
    },
];

fn find(name: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// A ParameterStatus the session must send after a change.
pub type Reported = (String, String);

/// The configuration's defaults for the session timeouts, in milliseconds
/// (0: off, PostgreSQL's default).
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeoutDefaults {
    /// `statement_timeout`.
    pub statement: u64,
    /// `idle_session_timeout`.
    pub idle_session: u64,
    /// `idle_in_transaction_session_timeout`.
    pub idle_in_transaction: u64,
}

/// One session's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Current values by lowercase name (known settings and `x.y` placeholders).
    values: BTreeMap<String, String>,
    /// Values at session start (defaults, startup packet), for RESET.
    session_defaults: BTreeMap<String, String>,
}

impl Settings {
    /// Settings for a session of `user`: the configured `timeouts`, then the
    /// startup packet's options (unknown or invalid ones are errors, as in PG).
    pub fn new(
        user: &str,
        startup: &[(String, String)],
        timeouts: TimeoutDefaults,
    ) -> Result<Settings, PgError> {
        let mut values = BTreeMap::new();
        for d in DEFS {
            values.insert(d.name.to_ascii_lowercase(), d.default.to_string());
        }
        values.insert("session_authorization".into(), user.to_string());
        for (name, ms) in [
            ("statement_timeout", timeouts.statement),
            ("idle_session_timeout", timeouts.idle_session),
            (
                "idle_in_transaction_session_timeout",
                timeouts.idle_in_transaction,
            ),
        ] {
            if ms > 0 {
                values.insert(
                    name.into(),
                    duration_ms(&ms.to_string()).unwrap_or_default(),
                );
            }
        }
        let mut settings = Settings {
            session_defaults: BTreeMap::new(),
            values,
        };
        for (name, value) in startup {
            settings.set(name, value)?;
        }
        settings.session_defaults = settings.values.clone();
        Ok(settings)
    }

    /// The value of `name` (42704 when unknown).
    pub fn get(&self, name: &str) -> Result<String, PgError> {
        self.values
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| unknown(name))
    }

    /// The canonical spelling of a setting's name (`datestyle` → `DateStyle`).
    pub fn canonical_name(name: &str) -> String {
        find(name).map_or_else(|| name.to_ascii_lowercase(), |d| d.name.to_string())
    }

    /// Sets `name`; returns the ParameterStatus to send when it is a reported setting.
    pub fn set(&mut self, name: &str, value: &str) -> Result<Option<Reported>, PgError> {
        let key = name.to_ascii_lowercase();
        let Some(def) = find(name) else {
            if key.contains('.') {
                self.values.insert(key, value.to_string());
                return Ok(None);
            }
            return Err(unknown(name));
        };
        if def.access == Access::Internal {
            return Err(PgError::new(
                sqlstate::CANT_CHANGE_RUNTIME_PARAM,
                format!("parameter \"{}\" cannot be changed", def.name),
            ));
        }
        let value =
            (def.check)(value).map_err(|m| PgError::new(sqlstate::INVALID_PARAMETER_VALUE, m))?;
        self.values.insert(key, value.clone());
        Ok(def.report.then(|| (def.name.to_string(), value)))
    }

    /// Resets `name` to its session default.
    pub fn reset(&mut self, name: &str) -> Result<Option<Reported>, PgError> {
        let key = name.to_ascii_lowercase();
        let def = find(name);
        if def.is_none() && !self.values.contains_key(&key) {
            return Err(unknown(name));
        }
        if def.is_some_and(|d| d.access == Access::Internal) {
            return Err(PgError::new(
                sqlstate::CANT_CHANGE_RUNTIME_PARAM,
                format!(
                    "parameter \"{}\" cannot be changed",
                    Settings::canonical_name(name)
                ),
            ));
        }
        let value = self.session_defaults.get(&key).cloned().unwrap_or_default();
        let changed = self.values.get(&key) != Some(&value);
        self.values.insert(key, value.clone());
        Ok(def
            .filter(|d| d.report && changed)
            .map(|d| (d.name.to_string(), value)))
    }

    /// RESET ALL: every setting back to its session default; returns what to report.
    pub fn reset_all(&mut self) -> Vec<Reported> {
        let mut reported = Vec::new();
        for d in DEFS.iter().filter(|d| d.report) {
            let key = d.name.to_ascii_lowercase();
            if self.values.get(&key) != self.session_defaults.get(&key) {
                reported.push((d.name.to_string(), self.session_defaults[&key].clone()));
            }
        }
        self.values = self.session_defaults.clone();
        reported
    }

    /// What ParameterStatus reports at startup: every reported setting.
    pub fn reported(&self) -> Vec<Reported> {
        DEFS.iter()
            .filter(|d| d.report)
            .map(|d| {
                (
                    d.name.to_string(),
                    self.values[&d.name.to_ascii_lowercase()].clone(),
                )
            })
            .collect()
    }

    /// `SHOW ALL` / `pg_settings`: (name, value, description) for known settings.
    pub fn all(&self) -> Vec<(String, String, String)> {
        DEFS.iter()
            .map(|d| {
                let v = self.values[&d.name.to_ascii_lowercase()].clone();
                (d.name.to_string(), v, d.description.to_string())
            })
            .collect()
    }

    /// The options the encoder needs from these settings.
    pub fn encode_options(&self) -> EncodeOptions {
        let efd = self
            .values
            .get("extra_float_digits")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let tz = self
            .values
            .get("timezone")
            .and_then(|v| SessionTimeZone::parse(v))
            .unwrap_or(SessionTimeZone::Fixed(0));
        EncodeOptions {
            extra_float_digits: efd,
            time_zone: tz,
            object_names: None,
        }
    }

    /// `statement_timeout` in milliseconds (0 = none).
    pub fn statement_timeout_ms(&self) -> u64 {
        self.milliseconds("statement_timeout")
    }

    /// How long a session may wait for its next message, in milliseconds
    /// (0 = forever): `idle_in_transaction_session_timeout` inside a
    /// transaction block, else `idle_session_timeout`.
    pub fn idle_timeout_ms(&self, in_transaction: bool) -> u64 {
        self.milliseconds(if in_transaction {
            "idle_in_transaction_session_timeout"
        } else {
            "idle_session_timeout"
        })
    }

    /// The value of the duration setting `name` (lowercase) in milliseconds.
    fn milliseconds(&self, name: &str) -> u64 {
        self.values.get(name).and_then(|v| parse_ms(v)).unwrap_or(0)
    }
}

fn unknown(name: &str) -> PgError {
    PgError::new(
        sqlstate::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::new("datapress", &[], TimeoutDefaults::default()).unwrap()
    }

    #[test]
    fn set_then_reset_restores_the_session_default() {
        let mut s = settings();
        let reported = s.set("timezone", "Europe/Paris").unwrap();
        assert_eq!(reported, Some(("TimeZone".into(), "Europe/Paris".into())));
        s.reset("TimeZone").unwrap();
        assert_eq!(s.get("TimeZone").unwrap(), "UTC");
    }

    #[test]
    fn unknown_settings_are_42704_but_placeholders_work() {
        let mut s = settings();
        assert_eq!(s.get("nope").unwrap_err().code, "42704");
        s.set("myapp.user_id", "7").unwrap();
        assert_eq!(s.get("MyApp.User_Id").unwrap(), "7");
    }

    #[test]
    fn only_utf8_client_encoding_is_accepted() {
        let mut s = settings();
        assert!(s.set("client_encoding", "'utf-8'").is_ok());
        assert_eq!(
            s.set("client_encoding", "LATIN1").unwrap_err().code,
            "22023"
        );
    }

    #[test]
    fn statement_timeout_is_normalised() {
        let mut s = settings();
        s.set("statement_timeout", "1500").unwrap();
        assert_eq!(s.get("statement_timeout").unwrap(), "1500ms");
        assert_eq!(s.statement_timeout_ms(), 1500);
        s.set("statement_timeout", "2s").unwrap();
        assert_eq!(s.statement_timeout_ms(), 2000);
        assert_eq!(
            s.set("statement_timeout", "99999999999999999999h")
                .unwrap_err()
                .code,
            "22023",
            "out of range, not an overflow"
        );
    }

    #[test]
    fn the_idle_timeout_depends_on_the_transaction_state() {
        let timeouts = TimeoutDefaults {
            idle_session: 60_000,
            ..TimeoutDefaults::default()
        };
        let mut s = Settings::new("datapress", &[], timeouts).unwrap();
        assert_eq!(s.get("idle_session_timeout").unwrap(), "60s");
        assert_eq!(s.idle_timeout_ms(false), 60_000);
        assert_eq!(s.idle_timeout_ms(true), 0);
        s.set("idle_in_transaction_session_timeout", "250").unwrap();
        assert_eq!(s.idle_timeout_ms(true), 250);
        s.set("idle_session_timeout", "0").unwrap();
        assert_eq!(s.idle_timeout_ms(false), 0);
        s.reset("idle_session_timeout").unwrap();
        assert_eq!(
            s.idle_timeout_ms(false),
            60_000,
            "RESET: the configured default"
        );
    }
}
