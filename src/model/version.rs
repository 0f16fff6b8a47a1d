//! Release versions (`v1.9.0`) as image tags, labels and CRD annotations
//! spell them. The model keys version-dependent semantics on them and the
//! operations rules compare them with their tables.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Reads `v1.7.5`, `1.7.5`, `distroless-v1.37.5`, `v1.37.5-rc.1`,
    /// `gateway-helm-v1.7.5` and `v1.4` (patch 0).
    pub fn parse(text: &str) -> Option<Version> {
        let start = text.find(|c: char| c.is_ascii_digit())?;
        // Only accept a number that begins the text, follows a `v`, or
        // follows a `-` (as in `distroless-v1.37.5` or `helm-1.7.5`).
        if start > 0 && !matches!(text.as_bytes()[start - 1], b'v' | b'-') {
            return None;
        }
        let core: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = core.split('.').filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().map(|p| p.parse().ok()).unwrap_or(Some(0))?;
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    pub fn same_minor(&self, other: &Version) -> bool {
        self.major == other.major && self.minor == other.minor
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}
