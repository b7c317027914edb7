//! TLS over a connection's non-blocking socket, with rustls (the `ring`
//! crypto provider): the [`Transport::Tls`](super::transport::Transport)
//! variant, and the server's certificate settings (`ssl_certificate`,
//! `ssl_ca_certificate`).
//!
//! The stream keeps rustls's buffers bounded: encrypted output already
//! queued is pushed to the socket before more plaintext is accepted, and a
//! file is read through the cipher one chunk at a time, so a large file
//! streams in constant memory. What rustls has queued by itself (handshake
//! flights, alerts) shows in [`TlsStream::wants_write`], which the event
//! loop counts as pending output (the socket goes in the write set).
//! Decrypted bytes rustls holds beyond what a read asked for show in
//! [`TlsStream::has_buffered_input`]: the socket is not readable for them.

use crate::core::connection::Connection;
use crate::core::dialect::Dialect;
use crate::core::net::transport::Transport;
use crate::core::options::{Opt, OptionError};
use crate::core::server::Server;
use crate::core::sys;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, ServerConfig};
use rustls::{ServerConnection, SignatureScheme};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::io::RawFd;
use std::sync::Arc;

/// Bytes of a file read and encrypted per step of `send_file`.
const FILE_CHUNK: usize = 16 * 1024;

/// Why a certificate option was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsError {
    /// `ssl_certificate` cannot be read.
    CertUnreadable,
    /// No certificate in the `ssl_certificate` file.
    NoCertificate,
    /// No private key in the `ssl_certificate` file.
    NoKey,
    /// The key is unsupported or does not belong to the certificate.
    BadKey,
    /// `ssl_ca_certificate` cannot be read or holds no usable certificate.
    BadCa,
}

/// The crypto provider: rustls's `ring` backend, its default (safe) suites.
/// (rustls 0.23.48 deprecates it for lacking post-quantum key exchange,
/// which only its aws-lc-rs backend has; that one needs cmake and more.)
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn path_of(bytes: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// Reads every certificate of a PEM file (`Err` if it cannot be read).
fn read_certs(path: &[u8]) -> io::Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path_of(path))?;
    Ok(CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect())
}

/// The CA certificates of a `ssl_ca_certificate` file.
fn read_roots(ca: &[u8]) -> Result<RootCertStore, TlsError> {
    let certs = read_certs(ca).map_err(|_| TlsError::BadCa)?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::BadCa);
    }
    Ok(roots)
}

/// Builds the server side from `ssl_certificate` (one PEM file: the chain,
/// leaf first, and its private key as PKCS#1, PKCS#8 or SEC1) and, when
/// given, `ssl_ca_certificate` (client certificates are then required and
/// verified against it). TLS 1.2 and 1.3, ALPN `http/1.1`, session
/// resumption by tickets and by a session cache.
pub fn server_config(cert: &[u8], ca: Option<&[u8]>) -> Result<Arc<ServerConfig>, TlsError> {
    let pem = std::fs::read(path_of(cert)).map_err(|_| TlsError::CertUnreadable)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|_| TlsError::NoKey)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|_| TlsError::BadKey)?;
    let builder = match ca {
        Some(ca) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(read_roots(ca)?),
                provider(),
            )
            .build()
            .map_err(|_| TlsError::BadCa)?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|_| TlsError::BadKey)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    if let Ok(ticketer) = rustls::crypto::ring::Ticketer::new() {
        config.ticketer = ticketer;
    }
    Ok(Arc::new(config))
}

/// Builds the client side (`mg_connect` with `use_ssl`): with a CA file,
/// the server's certificate is verified against it (and the host name);
/// without one, as in 5.4, it is not verified at all.
pub fn client_config(ca: Option<&[u8]>) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|_| TlsError::BadCa)?;
    let mut config = match ca {
        Some(ca) => builder
            .with_root_certificates(read_roots(ca)?)
            .with_no_client_auth(),
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
            .with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// 5.4's client: any server certificate is accepted (the handshake's
/// signatures are still checked, so the peer holds the key it shows).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A server's TLS settings, rebuilt whenever a certificate option changes.
#[derive(Default)]
pub struct TlsSettings {
    /// Accepted connections are TLS with this, when set.
    pub server: Option<Arc<ServerConfig>>,
    /// Outgoing TLS connections use this (built at first use).
    pub client: Option<Arc<ClientConfig>>,
}

impl TlsSettings {
    /// The settings for these option values (the paths of `ssl_certificate`
    /// and `ssl_ca_certificate`), or why they cannot be used.
    pub fn build(cert: Option<&[u8]>, ca: Option<&[u8]>) -> Result<TlsSettings, TlsError> {
        let server = match cert {
            Some(cert) => Some(server_config(cert, ca)?),
            None => None,
        };
        let client = match ca {
            Some(_) => Some(client_config(ca)?),
            None => None,
        };
        Ok(TlsSettings { server, client })
    }

    /// The client configuration (5.4's unverified one unless a CA is set).
    pub fn client(&mut self) -> Option<Arc<ClientConfig>> {
        if self.client.is_none() {
            self.client = client_config(None).ok();
        }
        self.client.clone()
    }
}

/// The socket as rustls's byte source and sink.
struct Socket(RawFd);

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        sys::recv_bytes(self.0, buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        sys::send(self.0, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A TLS session over a non-blocking socket.
pub struct TlsStream {
    fd: RawFd,
    conn: rustls::Connection,
    /// The peer's stream has ended (close_notify or EOF) after the bytes
    /// already returned: the next read says 0.
    eof: bool,
    /// A read stopped with its buffer full: rustls may hold more plaintext.
    buffered: bool,
    /// close_notify has been queued.
    closing: bool,
}

impl TlsStream {
    /// An accepted connection's server side.
    pub fn server(fd: RawFd, config: Arc<ServerConfig>) -> io::Result<TlsStream> {
        let conn = ServerConnection::new(config).map_err(io::Error::other)?;
        Ok(TlsStream::new(fd, conn.into()))
    }

    /// An outgoing connection's client side; `host` is sent as SNI (an IP
    /// address is not) and checked against a verified certificate.
    pub fn client(fd: RawFd, config: Arc<ClientConfig>, host: &str) -> io::Result<TlsStream> {
        let name = ServerName::try_from(host.to_owned()).map_err(io::Error::other)?;
        let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
        Ok(TlsStream::new(fd, conn.into()))
    }

    fn new(fd: RawFd, conn: rustls::Connection) -> TlsStream {
        TlsStream {
            fd,
            conn,
            eof: false,
            buffered: false,
            closing: false,
        }
    }

    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// rustls holds encrypted bytes (handshake, records, alerts) that the
    /// socket has not taken yet.
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// Still handshaking with nothing to send: application output must
    /// wait for the peer, not for the socket to become writable.
    pub fn output_blocked(&self) -> bool {
        self.conn.is_handshaking() && !self.conn.wants_write()
    }

    /// Decrypted input may be waiting in rustls (the socket will not
    /// signal it).
    pub fn has_buffered_input(&self) -> bool {
        self.buffered && !self.eof
    }

    /// Pushes queued records to the socket: `Ok` when all went,
    /// `WouldBlock` when some wait for the socket.
    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut Socket(self.fd)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Sends queued records as far as the socket takes them; only real
    /// errors are reported.
    fn push(&mut self) -> io::Result<()> {
        match self.flush_tls() {
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            _ => Ok(()),
        }
    }

    /// Reads decrypted bytes into `buf`, as many as are there or arrive
    /// without blocking, up to its length. `Ok(0)`: the peer's stream
    /// ended; `WouldBlock`: nothing yet.
    fn read_plain(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.eof {
            return Ok(0);
        }
        let mut filled = 0;
        self.buffered = false;
        while filled < buf.len() {
            match self.conn.reader().read(&mut buf[filled..]) {
                Ok(0) => {
                    self.eof = true; // close_notify
                    break;
                }
                Ok(n) => {
                    filled += n;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The socket ended without close_notify: a truncated
                // stream, which for HTTP is an ordinary close.
                Err(_) => {
                    self.eof = true;
                    break;
                }
            }
            // rustls holds no plaintext: read records from the socket.
            match self.conn.read_tls(&mut Socket(self.fd)) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if let Err(e) = self.conn.process_new_packets() {
                // A fatal alert is queued: send it, then fail.
                let _ = self.flush_tls();
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            // Handshake flights and key updates go out at once.
            self.push()?;
        }
        if filled == buf.len() {
            self.buffered = true;
        }
        if filled > 0 {
            // Any EOF seen is reported by the next call.
            return Ok(filled);
        }
        if self.eof {
            return Ok(0);
        }
        Err(io::Error::from(io::ErrorKind::WouldBlock))
    }

    /// Reads up to `want` decrypted bytes, appended to `dst`.
    pub fn recv_into(&mut self, want: usize, dst: &mut Vec<u8>) -> io::Result<usize> {
        let start = dst.len();
        dst.resize(start + want, 0);
        let result = self.read_plain(&mut dst[start..]);
        dst.truncate(start + *result.as_ref().unwrap_or(&0));
        result
    }

    /// Reads and throws away up to `want` decrypted bytes.
    pub fn discard(&mut self, want: usize) -> io::Result<usize> {
        let mut scratch = [0u8; 4096];
        let want = want.min(scratch.len());
        self.read_plain(&mut scratch[..want])
    }

    /// Encrypts what it can of `data`. Records already queued go first, so
    /// rustls buffers at most one step ahead of the socket.
    pub fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        self.flush_tls()?;
        if self.conn.is_handshaking() {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        let n = self.conn.writer().write(data)?;
        self.push()?;
        if n == 0 && !data.is_empty() {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        Ok(n)
    }

    /// Reads up to `count` bytes of `file` at `offset` (advanced) and
    /// encrypts them, one chunk per call once the socket has taken the
    /// previous one.
    pub fn send_file(
        &mut self,
        file: &std::fs::File,
        offset: &mut u64,
        count: usize,
    ) -> io::Result<usize> {
        self.flush_tls()?;
        if self.conn.is_handshaking() {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        let mut chunk = [0u8; FILE_CHUNK];
        let want = count.min(FILE_CHUNK);
        let got = file.read_at(&mut chunk[..want], *offset)?;
        if got == 0 {
            return Ok(0);
        }
        let n = self.conn.writer().write(&chunk[..got])?;
        *offset += n as u64;
        self.push()?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::WouldBlock));
        }
        Ok(n)
    }

    /// Queued records still to send (the event loop's flush).
    pub fn flush(&mut self) -> io::Result<()> {
        self.push()
    }

    /// Queues close_notify and sends what the socket takes now.
    fn notify_close(&mut self) {
        if !std::mem::replace(&mut self.closing, true) {
            self.conn.send_close_notify();
        }
        let _ = self.flush_tls();
    }

    /// No more output: close_notify, then the socket's FIN.
    pub fn shutdown_write(&mut self) {
        self.notify_close();
        sys::shutdown_write(self.fd);
    }

    /// close_notify (unless already sent) and close the socket.
    pub fn close(&mut self) {
        self.notify_close();
        sys::close(self.fd);
    }
}

/// An accepted connection of a server with `ssl_certificate` becomes a
/// TLS session (before any byte is read).
pub fn wrap_accepted<D: Dialect>(srv: &Server<D>, c: &mut Connection<D>) -> io::Result<()> {
    let Some(config) = srv.tls.borrow().server.clone() else {
        return Ok(());
    };
    let fd = c.fd();
    c.transport = Transport::Tls(Box::new(TlsStream::server(fd, config)?));
    Ok(())
}

/// An outgoing connection (`mg_connect` with `use_ssl`) becomes a TLS
/// client session to `host`.
pub fn wrap_outgoing<D: Dialect>(
    srv: &Server<D>,
    c: &mut Connection<D>,
    host: &str,
) -> io::Result<()> {
    let config = srv
        .tls
        .borrow_mut()
        .client()
        .ok_or_else(|| io::Error::other("no TLS client configuration"))?;
    let fd = c.fd();
    c.transport = Transport::Tls(Box::new(TlsStream::client(fd, config, host)?));
    Ok(())
}

impl<D: Dialect> Server<D> {
    /// `mg_set_option` for `ssl_certificate` and `ssl_ca_certificate`: the
    /// settings are rebuilt from both values; if they cannot be, the
    /// option and the server stay as they were. Connections already
    /// accepted keep the settings they started with.
    pub fn set_tls_option(&self, opt: Opt, value: Option<&[u8]>) -> Result<(), OptionError> {
        let (cert, ca) = {
            let o = self.options.borrow();
            let cert = o.get_bytes(Opt::SslCertificate).map(<[u8]>::to_vec);
            let ca = o.get_bytes(Opt::SslCaCertificate).map(<[u8]>::to_vec);
            match opt {
                Opt::SslCertificate => (value.map(<[u8]>::to_vec), ca),
                _ => (cert, value.map(<[u8]>::to_vec)),
            }
        };
        let settings =
            TlsSettings::build(cert.as_deref(), ca.as_deref()).map_err(OptionError::Tls)?;
        *self.tls.borrow_mut() = settings;
        self.options.borrow_mut().set(opt, value);
        Ok(())
    }
}
