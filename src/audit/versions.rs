//! Version facts the operations rules need: which Envoy and Gateway API
//! versions each Envoy Gateway minor ships with, and the security advisories
//! that apply to a version and a cluster configuration. Extend the tables
//! when a release comes out; each advisory cites its release note.

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

/// What one Envoy Gateway minor release expects around it.
#[derive(Debug, Clone, Copy)]
pub struct Compat {
    pub eg: (u32, u32),
    pub envoy: (u32, u32),
    pub gateway_api: (u32, u32),
}

/// Envoy Gateway's compatibility matrix (site/content/en/news/releases/matrix.md).
pub const COMPAT: &[Compat] = &[Compat {
    eg: (1, 7),
    envoy: (1, 37),
    gateway_api: (1, 4),
}];

pub fn compat_for(eg: &Version) -> Option<&'static Compat> {
    COMPAT.iter().find(|c| c.eg == (eg.major, eg.minor))
}

/// What in the cluster exposes it to an advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// The controller deploys proxies in GatewayNamespace mode.
    GatewayNamespaceMode,
    /// Some EnvoyExtensionPolicy carries Lua.
    LuaExtensionPolicy,
    /// Some SecurityPolicy targets a TCPRoute without `spec.authorization`.
    SecurityPolicyOnTcpRouteWithoutAuthorization,
    /// Always exposed.
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Controller,
    Proxy,
}

#[derive(Debug, Clone, Copy)]
pub struct Advisory {
    pub ids: &'static str,
    pub summary: &'static str,
    pub component: Component,
    /// The first fixed version of each release line; versions of an older
    /// line than all of them are affected, newer lines are not.
    pub fixed: &'static [Version],
    pub exposure: Exposure,
    /// Where the advisory is announced.
    pub source: &'static str,
}

impl Advisory {
    pub fn affects(&self, v: &Version) -> bool {
        if let Some(f) = self.fixed.iter().find(|f| f.same_minor(v)) {
            return v < f;
        }
        self.fixed.iter().min().is_some_and(|lowest| v < lowest)
    }

    /// The fixed version to name in a message for `v`.
    pub fn fix_for(&self, v: &Version) -> Option<Version> {
        self.fixed
            .iter()
            .filter(|f| *f >= v)
            .min()
            .copied()
            .or_else(|| self.fixed.iter().max().copied())
    }
}

pub const ADVISORIES: &[Advisory] = &[
    Advisory {
        ids: "GHSA-22xc-xg2r-9j7v",
        summary: "xDS authentication bypass in Gateway Namespace mode",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::GatewayNamespaceMode,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "CVE-2026-22771",
        summary: "code execution through Lua in EnvoyExtensionPolicy",
        component: Component::Controller,
        fixed: &[Version::new(1, 5, 7), Version::new(1, 6, 2)],
        exposure: Exposure::LuaExtensionPolicy,
        source: "release-notes/v1.6.2.yaml",
    },
    Advisory {
        ids: "GHSA-wcrf-9vrr-854f",
        summary: "Lua validator sandbox escape in EnvoyExtensionPolicy",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::LuaExtensionPolicy,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "GHSA-m2v6-2jmh-4c68",
        summary: "controller crash on a SecurityPolicy targeting a TCPRoute without authorization",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::SecurityPolicyOnTcpRouteWithoutAuthorization,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "CVE-2026-47774 (GHSA-22m2-hvr2-xqc8)",
        summary: "Envoy proxy vulnerability fixed in Envoy 1.37.3",
        component: Component::Proxy,
        fixed: &[Version::new(1, 37, 3)],
        exposure: Exposure::Always,
        source: "release-notes/v1.7.4.yaml",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spellings_images_use() {
        assert_eq!(Version::parse("v1.7.5"), Some(Version::new(1, 7, 5)));
        assert_eq!(Version::parse("1.7.5"), Some(Version::new(1, 7, 5)));
        assert_eq!(
            Version::parse("distroless-v1.37.5"),
            Some(Version::new(1, 37, 5))
        );
        assert_eq!(Version::parse("v1.37.5-rc.1"), Some(Version::new(1, 37, 5)));
        assert_eq!(
            Version::parse("gateway-helm-v1.7.5"),
            Some(Version::new(1, 7, 5))
        );
        assert_eq!(Version::parse("v1.4"), Some(Version::new(1, 4, 0)));
        assert_eq!(Version::parse("latest"), None);
        assert_eq!(Version::parse("sha256"), None);
        assert_eq!(Version::parse("abc1.2.3"), None);
    }

    #[test]
    fn advisory_ranges() {
        let a = &ADVISORIES[0];
        assert!(a.affects(&Version::new(1, 7, 3)));
        assert!(!a.affects(&Version::new(1, 7, 4)));
        assert!(a.affects(&Version::new(1, 8, 0)));
        assert!(!a.affects(&Version::new(1, 8, 1)));
        assert!(a.affects(&Version::new(1, 6, 9)));
        assert!(!a.affects(&Version::new(1, 9, 0)));
        assert_eq!(
            a.fix_for(&Version::new(1, 7, 1)),
            Some(Version::new(1, 7, 4))
        );
        let lua = &ADVISORIES[1];
        assert!(lua.affects(&Version::new(1, 6, 1)));
        assert!(!lua.affects(&Version::new(1, 7, 0)));
        assert!(lua.affects(&Version::new(1, 4, 0)));
    }
}
