//! The option table (`mg_set_option` / `mg_get_option` /
//! `mg_get_valid_option_names`): the 5.4 options in their 5.4 order with
//! their defaults, followed by the limits this implementation adds. Values
//! are plain strings; typed accessors parse them where they are used.

use super::sys::RunAsUserError;
use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::raw::c_char;

/// One option: its name and its default (NULL when it has none).
pub struct OptionSpec {
    pub name: &'static CStr,
    pub default: Option<&'static CStr>,
}

macro_rules! option_table {
    ($( $id:ident = $name:literal, $default:expr; )*) => {
        /// Index of each option in [`OPTIONS`].
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub enum Opt { $( $id, )* }

        /// All options, in the order `mg_get_valid_option_names` lists them.
        pub const OPTIONS: &[OptionSpec] = &[
            $( OptionSpec { name: $name, default: $default }, )*
        ];

        /// `Opt` values in table order.
        const ALL: &[Opt] = &[ $( Opt::$id, )* ];
    };
}

option_table! {
    AccessControlList = c"access_control_list", None;
    AccessLogFile = c"access_log_file", None;
    AuthDomain = c"auth_domain", Some(c"mydomain.com");
    CgiInterpreter = c"cgi_interpreter", None;
    CgiPattern = c"cgi_pattern", Some(c"**.cgi$|**.pl$|**.php$");
    DavAuthFile = c"dav_auth_file", None;
    DocumentRoot = c"document_root", None;
    EnableDirectoryListing = c"enable_directory_listing", Some(c"yes");
    EnableProxy = c"enable_proxy", None;
    ExtraMimeTypes = c"extra_mime_types", None;
    GlobalAuthFile = c"global_auth_file", None;
    HideFilesPatterns = c"hide_files_patterns", None;
    HexdumpFile = c"hexdump_file", None;
    IndexFiles = c"index_files", Some(c"index.html,index.htm,index.shtml,index.cgi,index.php,index.lp");
    ListeningPort = c"listening_port", None;
    RunAsUser = c"run_as_user", None;
    SsiPattern = c"ssi_pattern", Some(c"**.shtml$|**.shtm$");
    UrlRewrites = c"url_rewrites", None;
    // Limits added by this implementation (not in 5.4).
    MaxRequestHeadSize = c"max_request_head_size", Some(c"16384");
    MaxRequestBodySize = c"max_request_body_size", Some(c"33554432");
    RequestTimeoutMs = c"request_timeout_ms", Some(c"30000");
    IdleTimeoutMs = c"idle_timeout_ms", Some(c"30000");
    MaxConnections = c"max_connections", Some(c"1000");
    WebsocketMaxMessageSize = c"websocket_max_message_size", Some(c"16777216");
    WebsocketPingIntervalMs = c"websocket_ping_interval_ms", Some(c"30000");
    MinTransferRate = c"min_transfer_rate", Some(c"1024");
    MaxBufferedInputSize = c"max_buffered_input_size", Some(c"268435456");
    MaxCgiProcesses = c"max_cgi_processes", Some(c"64");
    // 5.4's TLS options (5.4 listed them after url_rewrites; they come
    // last here so the limits keep their positions).
    SslCertificate = c"ssl_certificate", None;
    SslCaCertificate = c"ssl_ca_certificate", None;
}

/// Options whose value must be a non-negative decimal number.
const NUMERIC: &[Opt] = &[
    Opt::MaxRequestHeadSize,
    Opt::MaxRequestBodySize,
    Opt::RequestTimeoutMs,
    Opt::IdleTimeoutMs,
    Opt::MaxConnections,
    Opt::WebsocketMaxMessageSize,
    Opt::WebsocketPingIntervalMs,
    Opt::MinTransferRate,
    Opt::MaxBufferedInputSize,
    Opt::MaxCgiProcesses,
];

impl Opt {
    pub fn from_name(name: &[u8]) -> Option<Opt> {
        let index = OPTIONS.iter().position(|o| o.name.to_bytes() == name)?;
        Some(ALL[index])
    }
}

/// A pointer that may live in a `static` (it points at static data).
#[repr(transparent)]
pub struct StaticPtr(pub *const c_char);
// SAFETY: the pointers point at immutable 'static C strings.
unsafe impl Sync for StaticPtr {}

const NAMES_LEN: usize = 2 * OPTIONS.len() + 2;

/// The `mg_get_valid_option_names` array: name, default, ..., NULL, NULL.
pub static OPTION_NAMES: [StaticPtr; NAMES_LEN] = {
    let mut out = [const { StaticPtr(std::ptr::null()) }; NAMES_LEN];
    let mut i = 0;
    while i < OPTIONS.len() {
        out[2 * i] = StaticPtr(OPTIONS[i].name.as_ptr());
        if let Some(d) = OPTIONS[i].default {
            out[2 * i + 1] = StaticPtr(d.as_ptr());
        }
        i += 1;
    }
    out
};

/// Why an option value was refused; the text is what `mg_set_option` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionError {
    NoSuchOption,
    BadListeningPort,
    CannotBind,
    DescriptorTooHigh,
    NotANumber,
    BadAcl,
    UnknownUser,
    SetgidFailed,
    SetuidFailed,
    /// `ssl_certificate` or `ssl_ca_certificate` cannot be used.
    Tls(crate::core::net::tls::TlsError),
}

impl OptionError {
    pub fn message(self) -> &'static CStr {
        match self {
            OptionError::NoSuchOption => c"No such option",
            OptionError::BadListeningPort => {
                c"Invalid listening_port: expected PORT, IP:PORT or [IPv6]:PORT"
            }
            OptionError::CannotBind => c"Cannot bind to port",
            OptionError::DescriptorTooHigh => {
                c"Cannot listen: every descriptor below 1024 (select()'s FD_SETSIZE) is in use"
            }
            OptionError::NotANumber => c"Invalid value: expected a non-negative integer",
            OptionError::BadAcl => {
                c"Invalid access_control_list: expected +|-A.B.C.D[/N],... entries"
            }
            OptionError::UnknownUser => c"Unknown user",
            OptionError::SetgidFailed => c"setgid() failed",
            OptionError::SetuidFailed => c"setuid() failed",
            // (5.4's messages start these, for programs that compare.)
            OptionError::Tls(e) => {
                use crate::core::net::tls::TlsError;
                match e {
                    TlsError::CertUnreadable => {
                        c"Cannot load PEM: the ssl_certificate file cannot be read"
                    }
                    TlsError::NoCertificate => {
                        c"Cannot load PEM: no certificate in the ssl_certificate file"
                    }
                    TlsError::NoKey => {
                        c"Cannot load PEM: no private key (PKCS#1, PKCS#8 or SEC1) in the ssl_certificate file"
                    }
                    TlsError::BadKey => {
                        c"Cannot load PEM: the private key in ssl_certificate is unsupported or does not match its certificate"
                    }
                    TlsError::BadCa => {
                        c"Error setting CA cert: ssl_ca_certificate cannot be read or holds no CA certificate"
                    }
                }
            }
        }
    }
}

impl From<RunAsUserError> for OptionError {
    fn from(e: RunAsUserError) -> Self {
        match e {
            RunAsUserError::UnknownUser => OptionError::UnknownUser,
            RunAsUserError::SetgidFailed => OptionError::SetgidFailed,
            RunAsUserError::SetuidFailed => OptionError::SetuidFailed,
        }
    }
}

/// The current values of a server's options.
pub struct Options {
    values: Vec<Option<CString>>,
    /// Parsed values of the numeric options (the event loop reads them on
    /// every poll; parsing once at set time keeps that cheap).
    numbers: Vec<u64>,
}

impl Default for Options {
    fn default() -> Self {
        let values: Vec<Option<CString>> = OPTIONS
            .iter()
            .map(|o| o.default.map(CStr::to_owned))
            .collect();
        let numbers = values
            .iter()
            .map(|v| {
                v.as_deref()
                    .and_then(|v| parse_number(v.to_bytes()))
                    .unwrap_or(0)
            })
            .collect();
        Options { values, numbers }
    }
}

impl Options {
    pub fn get(&self, opt: Opt) -> Option<&CStr> {
        self.values[opt as usize].as_deref()
    }

    pub fn get_bytes(&self, opt: Opt) -> Option<&[u8]> {
        self.get(opt).map(CStr::to_bytes)
    }

    /// A numeric option (validated when set, so parsing cannot fail).
    pub fn number(&self, opt: Opt) -> u64 {
        self.numbers[opt as usize]
    }

    /// Checks a value without storing it; `None`/empty means "restore the
    /// default".
    pub fn validate(opt: Opt, value: Option<&[u8]>) -> Result<(), OptionError> {
        match value {
            Some(v) if !v.is_empty() && NUMERIC.contains(&opt) && parse_number(v).is_none() => {
                Err(OptionError::NotANumber)
            }
            _ => Ok(()),
        }
    }

    /// Stores a value; `None` or empty restores the default (5.4 left the
    /// option NULL, which crashed later requests).
    pub fn set(&mut self, opt: Opt, value: Option<&[u8]>) {
        let stored = match value {
            Some(v) if !v.is_empty() => CString::new(v).ok(),
            _ => OPTIONS[opt as usize].default.map(CStr::to_owned),
        };
        self.numbers[opt as usize] = stored
            .as_deref()
            .and_then(|v| parse_number(v.to_bytes()))
            .unwrap_or(0);
        self.values[opt as usize] = stored;
    }
}

fn parse_number(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Parses a `listening_port` value: `PORT`, `A.B.C.D:PORT` or
/// `[IPv6]:PORT`. Anything else is an error (5.4 silently bound a random
/// port).
pub fn parse_listening_port(value: &[u8]) -> Result<SocketAddr, OptionError> {
    let text = std::str::from_utf8(value).map_err(|_| OptionError::BadListeningPort)?;
    let port = |p: &str| -> Result<u16, OptionError> {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OptionError::BadListeningPort);
        }
        p.parse::<u16>().map_err(|_| OptionError::BadListeningPort)
    };
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, p) = rest.split_once("]:").ok_or(OptionError::BadListeningPort)?;
        let ip: std::net::Ipv6Addr = ip.parse().map_err(|_| OptionError::BadListeningPort)?;
        return Ok(SocketAddr::new(IpAddr::V6(ip), port(p)?));
    }
    match text.rsplit_once(':') {
        Some((ip, p)) => {
            let ip: Ipv4Addr = ip.parse().map_err(|_| OptionError::BadListeningPort)?;
            Ok(SocketAddr::new(IpAddr::V4(ip), port(p)?))
        }
        None => Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port(text)?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_names_agree() {
        assert_eq!(OPTIONS.len(), ALL.len());
        for (i, o) in OPTIONS.iter().enumerate() {
            assert_eq!(ALL[i] as usize, i);
            assert_eq!(Opt::from_name(o.name.to_bytes()), Some(ALL[i]));
        }
        assert!(OPTION_NAMES[2 * OPTIONS.len()].0.is_null());
    }

    #[test]
    fn listening_port_forms() {
        assert_eq!(
            parse_listening_port(b"8080").unwrap(),
            "0.0.0.0:8080".parse().unwrap()
        );
        assert_eq!(
            parse_listening_port(b"0").unwrap(),
            "0.0.0.0:0".parse().unwrap()
        );
        assert_eq!(
            parse_listening_port(b"127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            parse_listening_port(b"[::1]:8080").unwrap(),
            "[::1]:8080".parse().unwrap()
        );
        for bad in [
            &b"abc"[..],
            b"8080s",
            b"ssl://8043",
            b"65536",
            b"",
            b"1.2.3:80",
            b"[::1]",
            b"-1",
            b":80",
        ] {
            assert_eq!(
                parse_listening_port(bad),
                Err(OptionError::BadListeningPort),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn set_restores_defaults_and_validates_numbers() {
        let mut o = Options::default();
        assert_eq!(o.get_bytes(Opt::AuthDomain), Some(&b"mydomain.com"[..]));
        o.set(Opt::AuthDomain, Some(b"x"));
        assert_eq!(o.get_bytes(Opt::AuthDomain), Some(&b"x"[..]));
        o.set(Opt::AuthDomain, Some(b""));
        assert_eq!(o.get_bytes(Opt::AuthDomain), Some(&b"mydomain.com"[..]));
        assert_eq!(o.number(Opt::MaxRequestHeadSize), 16384);
        assert!(Options::validate(Opt::MaxRequestHeadSize, Some(b"12x")).is_err());
        assert!(Options::validate(Opt::MaxRequestHeadSize, Some(b"-1")).is_err());
        assert!(Options::validate(Opt::MaxRequestHeadSize, Some(b"100")).is_ok());
        assert!(Options::validate(Opt::DocumentRoot, Some(b"12x")).is_ok());
    }
}
