//! Built-in request handlers, chosen by `crate::core::router`: static
//! files and directory listings today; CGI, SSI, WebDAV and the proxy
//! belong here too.

pub mod cgi;
pub mod static_files;
