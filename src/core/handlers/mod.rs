//! Built-in request handlers, chosen by `crate::core::router`: static
//! files and directory listings today; CGI, SSI, WebDAV and the proxy
//! belong here too.

pub mod auth_files;
pub mod cgi;
pub mod dav;
pub mod dav_state;
pub mod dav_xml;
pub mod static_files;
