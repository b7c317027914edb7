//! The pure parts of static file serving: mapping a URI to a path inside
//! the document root, conditional requests and byte ranges, directory
//! listings, the access control list, access-log lines and hidden files.
//!
//! Nothing here touches sockets or the event loop; the HTTP layer calls
//! these functions and writes the replies. File-system access is limited
//! to what each module's docs say (`resolve` stats and canonicalizes,
//! `listing::read_dir` reads a directory, `access_log::append` appends one
//! line).
//!
//! Several Mongoose 5.4 bugs are deliberately fixed here (spec section 10):
//! Range off-by-one and the missing 416, unescaped listing names, the
//! malformed ACL that allowed everyone, the unmasked ACL network, and
//! `hide_files_patterns` not matching bare names on direct requests.

#![forbid(unsafe_code)]

pub mod access_log;
pub mod acl;
pub mod conditional;
pub mod hidden;
pub mod listing;
pub mod resolve;
