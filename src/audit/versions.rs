//! Version facts the operations rules need: which Envoy and Gateway API
//! versions each Envoy Gateway minor ships with, and the security advisories
//! that apply to a version and a cluster configuration. Extend the tables
//! when a release comes out; each advisory cites its release note.

pub use crate::model::version::Version;

/// What one Envoy Gateway minor release expects around it, and when it
/// stops getting fixes.
#[derive(Debug, Clone, Copy)]
pub struct Compat {
    pub eg: (u32, u32),
    /// The Envoy minor compiled into the release (`distroless-v1.39.0`).
    pub envoy: (u32, u32),
    /// The Gateway API release compiled into it.
    pub gateway_api: Version,
    /// The oldest and newest Kubernetes minor it supports.
    pub kubernetes: ((u32, u32), (u32, u32)),
    /// Its end of life (year, month, day).
    pub end_of_life: (i16, i8, i8),
    /// Where the row comes from (a path in envoyproxy/gateway).
    pub source: &'static str,
}

impl Compat {
    pub fn end_of_life_date(&self) -> jiff::civil::Date {
        let (y, m, d) = self.end_of_life;
        jiff::civil::date(y, m, d)
    }
}

/// The compatibility matrix row source. Refresh: copy the new row of
/// `site/content/en/news/releases/matrix.md` (the corpus' newest Envoy
/// Gateway tree) here; `compat_table_covers_the_corpus_matrix` fails until
/// every row is in and agrees.
const MATRIX: &str = "site/content/en/news/releases/matrix.md";

/// Envoy Gateway's compatibility matrix, newest first, one entry per minor
/// release (the `latest` row is the unreleased main branch and left out).
pub const COMPAT: &[Compat] = &[
    Compat {
        eg: (1, 9),
        envoy: (1, 39),
        gateway_api: Version::new(1, 6, 1),
        kubernetes: ((1, 33), (1, 36)),
        end_of_life: (2027, 2, 14),
        source: MATRIX,
    },
    Compat {
        eg: (1, 8),
        envoy: (1, 38),
        gateway_api: Version::new(1, 5, 1),
        kubernetes: ((1, 32), (1, 35)),
        end_of_life: (2026, 11, 8),
        source: MATRIX,
    },
    Compat {
        eg: (1, 7),
        envoy: (1, 37),
        gateway_api: Version::new(1, 4, 1),
        kubernetes: ((1, 32), (1, 35)),
        end_of_life: (2026, 8, 5),
        source: MATRIX,
    },
    Compat {
        eg: (1, 6),
        envoy: (1, 36),
        gateway_api: Version::new(1, 4, 0),
        kubernetes: ((1, 30), (1, 33)),
        end_of_life: (2026, 5, 13),
        source: MATRIX,
    },
    Compat {
        eg: (1, 5),
        envoy: (1, 35),
        gateway_api: Version::new(1, 3, 0),
        kubernetes: ((1, 30), (1, 33)),
        end_of_life: (2026, 2, 13),
        source: MATRIX,
    },
    Compat {
        eg: (1, 4),
        envoy: (1, 34),
        gateway_api: Version::new(1, 3, 0),
        kubernetes: ((1, 30), (1, 33)),
        end_of_life: (2025, 11, 13),
        source: MATRIX,
    },
    Compat {
        eg: (1, 3),
        envoy: (1, 33),
        gateway_api: Version::new(1, 2, 1),
        kubernetes: ((1, 29), (1, 32)),
        end_of_life: (2025, 7, 30),
        source: MATRIX,
    },
    Compat {
        eg: (1, 2),
        envoy: (1, 32),
        gateway_api: Version::new(1, 2, 0),
        kubernetes: ((1, 28), (1, 31)),
        end_of_life: (2025, 5, 6),
        source: MATRIX,
    },
    Compat {
        eg: (1, 1),
        envoy: (1, 31),
        gateway_api: Version::new(1, 1, 0),
        kubernetes: ((1, 27), (1, 30)),
        end_of_life: (2025, 1, 22),
        source: MATRIX,
    },
    Compat {
        eg: (1, 0),
        envoy: (1, 29),
        gateway_api: Version::new(1, 0, 0),
        kubernetes: ((1, 26), (1, 29)),
        end_of_life: (2024, 9, 13),
        source: MATRIX,
    },
    Compat {
        eg: (0, 6),
        envoy: (1, 28),
        gateway_api: Version::new(1, 0, 0),
        kubernetes: ((1, 26), (1, 28)),
        end_of_life: (2024, 5, 2),
        source: MATRIX,
    },
    Compat {
        eg: (0, 5),
        envoy: (1, 27),
        gateway_api: Version::new(0, 7, 1),
        kubernetes: ((1, 25), (1, 27)),
        end_of_life: (2024, 1, 2),
        source: MATRIX,
    },
    Compat {
        eg: (0, 4),
        envoy: (1, 26),
        gateway_api: Version::new(0, 6, 2),
        kubernetes: ((1, 25), (1, 27)),
        end_of_life: (2023, 10, 24),
        source: MATRIX,
    },
    Compat {
        eg: (0, 3),
        envoy: (1, 25),
        gateway_api: Version::new(0, 6, 1),
        kubernetes: ((1, 24), (1, 26)),
        end_of_life: (2023, 8, 9),
        source: MATRIX,
    },
    Compat {
        eg: (0, 2),
        envoy: (1, 23),
        gateway_api: Version::new(0, 5, 1),
        kubernetes: ((1, 24), (1, 24)),
        end_of_life: (2023, 4, 20),
        source: MATRIX,
    },
];

pub fn compat_for(eg: &Version) -> Option<&'static Compat> {
    COMPAT.iter().find(|c| c.eg == (eg.major, eg.minor))
}

/// The newest minor in the table.
pub fn newest_known() -> &'static Compat {
    COMPAT
        .iter()
        .max_by_key(|c| c.eg)
        .expect("the table is never empty")
}

/// The oldest minor still supported on `today` (end of life on or after
/// it), if any is.
pub fn oldest_supported(today: jiff::civil::Date) -> Option<&'static Compat> {
    COMPAT
        .iter()
        .filter(|c| c.end_of_life_date() >= today)
        .min_by_key(|c| c.eg)
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
    /// Some EnvoyExtensionPolicy sets `extProc`.
    ExtProcExtensionPolicy,
    /// Some EnvoyExtensionPolicy loads Wasm over HTTP (`code.type: HTTP`).
    WasmHttpExtensionPolicy,
    /// Some EnvoyExtensionPolicy loads Wasm from an OCI image
    /// (`code.type: Image`).
    WasmImageExtensionPolicy,
    /// Some route's backendRef names a non-Service kind in another
    /// namespace (what a ReferenceGrant should have guarded).
    CrossNamespaceCustomBackendRef,
    /// Some fleet keeps Envoy Gateway's default access log (its EnvoyProxy
    /// sets no `telemetry.accessLog`).
    DefaultAccessLog,
    /// Only on a platform no Kubernetes node runs (the advisory names
    /// macOS/Darwin): listed so the table is complete, never fires.
    NotOnKubernetes,
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
    /// Where the advisory is announced (`release-notes/*.yaml` in
    /// envoyproxy/gateway; the first of them when several are).
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

/// Every GHSA and CVE the Envoy Gateway release notes name, up to v1.9.0.
/// Refresh: for each new `release-notes/vX.Y.Z.yaml` with a `security
/// updates` entry, add or extend the advisory here (the fixed version of
/// its line, the note it comes from); `advisory_table_covers_the_release_notes`
/// fails until every id in the corpus' notes is in the table.
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
    Advisory {
        ids: "GHSA-8fv2-88gg-hm7q",
        summary: "missing read lock on the Wasm HTTP server cache",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::WasmHttpExtensionPolicy,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "GHSA-h7pq-86h8-rp5x",
        summary: "OCI layer extraction allocates memory from an untrusted tar header",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::WasmImageExtensionPolicy,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "GHSA-fcrp-7gc2-93g7",
        summary: "custom backendRef bypasses the cross-namespace ReferenceGrant check",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::CrossNamespaceCustomBackendRef,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "GHSA-cxpq-8v7q-cg56",
        summary: "Wasm HTTP fetch decompresses gzip without an output-size limit",
        component: Component::Controller,
        fixed: &[Version::new(1, 7, 4), Version::new(1, 8, 1)],
        exposure: Exposure::WasmHttpExtensionPolicy,
        source: "release-notes/v1.7.4.yaml",
    },
    Advisory {
        ids: "CVE-2026-33186",
        summary: "gRPC-Go authorization bypass via a non-canonical HTTP/2 :path header",
        component: Component::Controller,
        fixed: &[Version::new(1, 6, 7), Version::new(1, 7, 3)],
        exposure: Exposure::Always,
        source: "release-notes/v1.6.7.yaml",
    },
    Advisory {
        ids: "CVE-2026-24051",
        summary: "OpenTelemetry Go SDK path hijacking on macOS/Darwin",
        component: Component::Controller,
        fixed: &[Version::new(1, 6, 7), Version::new(1, 7, 3)],
        exposure: Exposure::NotOnKubernetes,
        source: "release-notes/v1.6.7.yaml",
    },
    Advisory {
        ids: "CVE-2025-0913",
        summary: "security patches in Envoy 1.36.4",
        component: Component::Proxy,
        fixed: &[Version::new(1, 36, 4)],
        exposure: Exposure::Always,
        source: "release-notes/v1.6.3.yaml",
    },
    Advisory {
        ids: "CVE-2025-64527, CVE-2025-66220, CVE-2025-64763",
        summary: "Envoy proxy vulnerabilities fixed in Envoy 1.35.7 and 1.36.3",
        component: Component::Proxy,
        fixed: &[Version::new(1, 35, 7), Version::new(1, 36, 3)],
        exposure: Exposure::Always,
        source: "release-notes/v1.5.6.yaml",
    },
    Advisory {
        ids: "CVE-2025-58058",
        summary: "xz Go module vulnerability in the controller",
        component: Component::Controller,
        fixed: &[Version::new(1, 4, 4)],
        exposure: Exposure::Always,
        source: "release-notes/v1.4.4.yaml",
    },
    Advisory {
        ids: "CVE-2025-30157",
        summary: "local replies sent to the ext_proc server",
        component: Component::Controller,
        fixed: &[Version::new(1, 2, 8)],
        exposure: Exposure::ExtProcExtensionPolicy,
        source: "release-notes/v1.2.8.yaml",
    },
    Advisory {
        ids: "CVE-2025-25294",
        summary: "log injection through the default access log",
        component: Component::Controller,
        fixed: &[
            Version::new(1, 2, 7),
            Version::new(1, 3, 1),
            Version::new(1, 4, 0),
        ],
        exposure: Exposure::DefaultAccessLog,
        source: "release-notes/v1.2.7.yaml",
    },
    Advisory {
        ids: "CVE-2025-24030 (GHSA-j777-63hf-hx76)",
        summary: "Envoy admin interface exposed through the Prometheus stats endpoint",
        component: Component::Controller,
        fixed: &[Version::new(1, 2, 6)],
        exposure: Exposure::Always,
        source: "release-notes/v1.2.6.yaml",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The newest Envoy Gateway tree in the corpus, read at test time.
    fn corpus(rel: &str) -> Option<std::path::PathBuf> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/envoy-gateway-v1.9.0")
            .join(rel);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("skipping: {} is absent", p.display());
            None
        }
    }

    fn minor(text: &str) -> (u32, u32) {
        let v = Version::parse(text).unwrap_or_else(|| panic!("a version: {text}"));
        (v.major, v.minor)
    }

    #[test]
    fn compat_table_covers_the_corpus_matrix() {
        let Some(path) = corpus(MATRIX) else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let mut rows = 0;
        for line in text.lines().filter(|l| l.starts_with("| v")) {
            let cells: Vec<&str> = line
                .split('|')
                .skip(1)
                .map(|c| c.trim().trim_matches('*'))
                .collect();
            let eg = minor(cells[0]);
            let entry = compat_for(&Version::new(eg.0, eg.1, 0))
                .unwrap_or_else(|| panic!("{MATRIX} has v{}.{}, the table does not", eg.0, eg.1));
            assert_eq!(entry.envoy, minor(cells[1]), "Envoy of {line}");
            assert_eq!(
                entry.gateway_api,
                Version::parse(cells[3]).unwrap(),
                "Gateway API of {line}"
            );
            let kube: Vec<(u32, u32)> = cells[4].split(',').map(|k| minor(k.trim())).collect();
            assert_eq!(
                entry.kubernetes,
                (kube[0], *kube.last().unwrap()),
                "Kubernetes of {line}"
            );
            let date: Vec<i64> = cells[5].split('/').map(|p| p.parse().unwrap()).collect();
            let (y, m, d) = entry.end_of_life;
            assert_eq!(
                (i64::from(y), i64::from(m), i64::from(d)),
                (date[0], date[1], date[2]),
                "end of life of {line}"
            );
            rows += 1;
        }
        assert_eq!(rows, COMPAT.len(), "every table entry is a matrix row");
    }

    #[test]
    fn compat_table_covers_every_release_in_the_notes() {
        let Some(dir) = corpus("release-notes") else {
            return;
        };
        let oldest = COMPAT.iter().map(|c| c.eg).min().unwrap();
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            let Some(v) = Version::parse(&name) else {
                continue;
            };
            // Releases older than the matrix's oldest row ended before it.
            assert!(
                compat_for(&v).is_some() || (v.major, v.minor) < oldest,
                "release-notes/{name}: v{}.{} is not in the compatibility table",
                v.major,
                v.minor
            );
        }
    }

    #[test]
    fn advisory_table_covers_the_release_notes() {
        let Some(dir) = corpus("release-notes") else {
            return;
        };
        let ids = regex::Regex::new(r"GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}|CVE-\d{4}-\d{4,}")
            .unwrap();
        let mut seen = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for id in ids.find_iter(&text) {
                seen += 1;
                assert!(
                    ADVISORIES.iter().any(|a| a.ids.contains(id.as_str())),
                    "{} names {}, the advisory table does not",
                    path.display(),
                    id.as_str()
                );
            }
        }
        assert!(seen > 0);
        for a in ADVISORIES {
            let note = corpus(a.source).expect("each advisory cites a release note in the corpus");
            let text = std::fs::read_to_string(note).unwrap();
            let first = a.ids.split([' ', ',', '(']).next().unwrap();
            assert!(text.contains(first), "{} does not name {first}", a.source);
        }
    }

    #[test]
    fn end_of_life_and_oldest_supported() {
        let dec = jiff::civil::date(2026, 12, 1);
        let v17 = compat_for(&Version::new(1, 7, 5)).unwrap();
        assert!(v17.end_of_life_date() < dec);
        assert_eq!(oldest_supported(dec).map(|c| c.eg), Some((1, 9)));
        let sep = jiff::civil::date(2026, 9, 1);
        assert_eq!(oldest_supported(sep).map(|c| c.eg), Some((1, 8)));
        // On its end-of-life day a release is still supported.
        assert_eq!(
            oldest_supported(jiff::civil::date(2026, 8, 5)).map(|c| c.eg),
            Some((1, 7))
        );
        assert_eq!(newest_known().eg, (1, 9));
    }

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
