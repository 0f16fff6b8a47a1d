//! A tolerant parser for the Prometheus text exposition format 0.0.4, the
//! format Envoy serves on `/stats/prometheus`.
//!
//! Written by hand on purpose (design §8): `prometheus-parse` is stale and
//! `openmetrics-parser` is LGPL, and the subset Envoy emits is small. The
//! parser is *tolerant*: a line it cannot read is skipped and counted in
//! [`Scrape::skipped_lines`], so one odd line in a real scrape still leaves
//! every other number usable. It is *total*: it never panics, whatever the
//! input (a cargo-fuzz target, `fuzz/fuzz_targets/prom_parse.rs`, and a
//! deterministic mutation test below hammer it), and it runs in time linear
//! in the input (each byte is looked at a bounded number of times; label sets
//! are sorted, which is `k log k` in the labels of one line).
//!
//! What it reads:
//! - `# TYPE name type` (recorded in [`Scrape::types`]), `# HELP name text`
//!   and any other `#` comment (ignored);
//! - `name value`, `name{} value`, `name{a="b",c="d",} value [timestamp]`,
//!   with optional whitespace around labels, a trailing comma, trailing
//!   whitespace and CRLF line ends;
//! - label values with the escapes `\\`, `\"` and `\n` (an unknown escape is
//!   kept verbatim), and any other character, `,` `}` `=` included;
//! - values as Go's `ParseFloat` spells them: `+Inf`, `-Inf`, `NaN` and
//!   arbitrarily long decimal strings (`1.0476190476190476719153821250075`),
//!   correctly rounded by the standard library.

use std::collections::BTreeMap;
use std::fmt;

/// Label pairs of one sample, sorted by name, names unique.
pub type Labels = Vec<(String, String)>;

/// The `# TYPE` of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

impl MetricType {
    fn from_token(s: &str) -> Option<Self> {
        Some(match s {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "summary" => MetricType::Summary,
            "untyped" => MetricType::Untyped,
            _ => return None,
        })
    }
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
    /// Milliseconds since the epoch, when the line carries one.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.labels[i].1.as_str())
    }
}

/// Everything one scrape said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    /// Samples in the order of the text.
    pub samples: Vec<Sample>,
    /// Family name → type, from the `# TYPE` lines.
    pub types: BTreeMap<String, MetricType>,
    /// Lines that could not be read (malformed samples, `# TYPE` lines with
    /// an unknown type or no name).
    pub skipped_lines: usize,
}

impl Scrape {
    /// Samples of metric `name` (exact sample name, e.g. `..._bucket`).
    pub fn series<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The value of the first sample called `name`.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.series(name).next().map(|s| s.value)
    }
}

/// Why a text is not a scrape at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing in the text read as a sample or a `# TYPE` line, yet some lines
    /// were there (an HTML error page, a truncated body, another format).
    NotPrometheus {
        skipped_lines: usize,
        /// 1-based number and reason of the first line that failed.
        first_bad_line: usize,
        reason: &'static str,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotPrometheus {
                skipped_lines,
                first_bad_line,
                reason,
            } => write!(
                f,
                "not Prometheus text: {skipped_lines} unreadable line(s), first at line {first_bad_line}: {reason}"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole scrape. Malformed lines are skipped and counted; the only
/// error is a non-empty text in which no line was readable.
pub fn parse(text: &str) -> Result<Scrape, ParseError> {
    parse_only(text, |_| true)
}

/// Like [`parse`], but keeps only the samples whose name passes `keep`,
/// skipping the others before their labels are read: a real Envoy serves
/// over a thousand lines of which egscope reads about one in ten.
pub fn parse_only(text: &str, keep: impl Fn(&str) -> bool) -> Result<Scrape, ParseError> {
    let mut scrape = Scrape::default();
    let mut first_bad: Option<(usize, &'static str)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        if sample_name(raw).is_some_and(|name| !keep(name)) {
            continue;
        }
        match parse_line(raw) {
            Ok(Line::Blank) | Ok(Line::Comment) => {}
            Ok(Line::Type(name, ty)) => {
                scrape.types.insert(name.to_owned(), ty);
            }
            Ok(Line::Sample(s)) => scrape.samples.push(s),
            Err(reason) => {
                scrape.skipped_lines += 1;
                first_bad.get_or_insert((i + 1, reason));
            }
        }
    }
    if scrape.samples.is_empty()
        && scrape.types.is_empty()
        && let Some((first_bad_line, reason)) = first_bad
    {
        return Err(ParseError::NotPrometheus {
            skipped_lines: scrape.skipped_lines,
            first_bad_line,
            reason,
        });
    }
    Ok(scrape)
}

/// The metric name a sample line starts with (None for blank lines,
/// comments and lines that do not start with a name).
fn sample_name(raw: &str) -> Option<&str> {
    let mut c = Cursor::new(raw);
    c.skip_ws();
    c.ident(is_name_start, is_name_char)
}

enum Line<'a> {
    Blank,
    Comment,
    Type(&'a str, MetricType),
    Sample(Sample),
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r'
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

fn is_label_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_label_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A byte cursor over one line. Every slice it hands out starts and ends at
/// an ASCII byte or the line's ends, so it is always a char boundary.
struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.i;
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
        self.i > start
    }

    /// `[start][char]*`, or None when the next byte cannot start one.
    fn ident(&mut self, start: fn(u8) -> bool, rest: fn(u8) -> bool) -> Option<&'a str> {
        let from = self.i;
        if !self.peek().is_some_and(start) {
            return None;
        }
        self.i += 1;
        while self.peek().is_some_and(rest) {
            self.i += 1;
        }
        self.s.get(from..self.i)
    }

    /// A run of non-whitespace bytes.
    fn token(&mut self) -> &'a str {
        let from = self.i;
        while self.peek().is_some_and(|b| !is_ws(b)) {
            self.i += 1;
        }
        self.s.get(from..self.i).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
}

fn parse_line(raw: &str) -> Result<Line<'_>, &'static str> {
    let mut c = Cursor::new(raw);
    c.skip_ws();
    match c.peek() {
        None => Ok(Line::Blank),
        Some(b'#') => {
            c.i += 1;
            parse_comment(c)
        }
        Some(_) => parse_sample(c).map(Line::Sample),
    }
}

fn parse_comment(mut c: Cursor<'_>) -> Result<Line<'_>, &'static str> {
    c.skip_ws();
    let keyword = c.token();
    if keyword != "TYPE" {
        // `# HELP ...` and free comments carry nothing we use.
        return Ok(Line::Comment);
    }
    if !c.skip_ws() {
        return Err("# TYPE without a metric name");
    }
    let name = c
        .ident(is_name_start, is_name_char)
        .ok_or("# TYPE with an invalid metric name")?;
    if !c.skip_ws() {
        return Err("# TYPE without a type");
    }
    let ty = MetricType::from_token(c.token()).ok_or("# TYPE with an unknown type")?;
    c.skip_ws();
    if !c.at_end() {
        return Err("trailing text after # TYPE");
    }
    Ok(Line::Type(name, ty))
}

fn parse_sample(mut c: Cursor<'_>) -> Result<Sample, &'static str> {
    let name = c
        .ident(is_name_start, is_name_char)
        .ok_or("invalid metric name")?;
    let had_ws = c.skip_ws();
    let mut labels = Labels::new();
    if c.peek() == Some(b'{') {
        c.i += 1;
        parse_labels(&mut c, &mut labels)?;
        c.skip_ws();
    } else if !had_ws {
        return Err("metric name not followed by labels or a space");
    }
    let value = parse_value(c.token()).ok_or("invalid sample value")?;
    let mut timestamp_ms = None;
    if c.skip_ws() && !c.at_end() {
        let ts = c.token();
        timestamp_ms = Some(ts.parse::<i64>().map_err(|_| "invalid timestamp")?);
        c.skip_ws();
    }
    if !c.at_end() {
        return Err("trailing text after the sample");
    }
    labels.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if labels.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err("duplicate label name");
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp_ms,
    })
}

/// Reads `a="b", c="d",}` (the opening brace already consumed).
fn parse_labels(c: &mut Cursor<'_>, out: &mut Labels) -> Result<(), &'static str> {
    loop {
        c.skip_ws();
        match c.peek() {
            None => return Err("unterminated label set"),
            Some(b'}') => {
                c.i += 1;
                return Ok(());
            }
            Some(_) => {}
        }
        let key = c
            .ident(is_label_start, is_label_char)
            .ok_or("invalid label name")?;
        c.skip_ws();
        if c.peek() != Some(b'=') {
            return Err("label name not followed by '='");
        }
        c.i += 1;
        c.skip_ws();
        if c.peek() != Some(b'"') {
            return Err("label value not quoted");
        }
        c.i += 1;
        let value = parse_label_value(c)?;
        out.push((key.to_owned(), value));
        c.skip_ws();
        match c.peek() {
            Some(b',') => c.i += 1,
            Some(b'}') => {}
            None => return Err("unterminated label set"),
            Some(_) => return Err("expected ',' or '}' after a label"),
        }
    }
}

/// Reads an escaped label value up to and including its closing quote.
fn parse_label_value(c: &mut Cursor<'_>) -> Result<String, &'static str> {
    let mut out = String::new();
    let mut run = c.i;
    loop {
        match c.peek() {
            None => return Err("unterminated label value"),
            Some(b'"') => {
                out.push_str(c.s.get(run..c.i).unwrap_or(""));
                c.i += 1;
                return Ok(out);
            }
            Some(b'\\') => {
                out.push_str(c.s.get(run..c.i).unwrap_or(""));
                c.i += 1;
                match c.peek() {
                    None => return Err("unterminated label value"),
                    Some(b'\\') => out.push('\\'),
                    Some(b'"') => out.push('"'),
                    Some(b'n') => out.push('\n'),
                    Some(_) => {
                        // Unknown escape: keep the backslash; the next
                        // character (maybe multi-byte) stays in the run.
                        out.push('\\');
                        run = c.i;
                        continue;
                    }
                }
                c.i += 1;
                run = c.i;
            }
            Some(_) => c.i += 1,
        }
    }
}

/// A sample value as Go's `strconv.ParseFloat` accepts it (decimal forms,
/// `[+-]Inf`, `NaN`, case-insensitive).
fn parse_value(tok: &str) -> Option<f64> {
    if tok.is_empty() {
        return None;
    }
    // Rust's parser also accepts "infinity"; Go does too, so that is fine.
    tok.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = include_str!("../../tests/fixtures/envoy/stats-t0.prom");
    const T1: &str = include_str!("../../tests/fixtures/envoy/stats-t1.prom");

    fn one(line: &str) -> Sample {
        let s = parse(line).unwrap();
        assert_eq!(s.skipped_lines, 0, "{line:?}");
        assert_eq!(s.samples.len(), 1, "{line:?}");
        s.samples.into_iter().next().unwrap()
    }

    fn type_counts(s: &Scrape) -> (usize, usize, usize, usize) {
        let n = |t| s.types.values().filter(|&&v| v == t).count();
        (
            s.types.len(),
            n(MetricType::Counter),
            n(MetricType::Gauge),
            n(MetricType::Histogram),
        )
    }

    #[test]
    fn real_scrapes_have_the_readme_families() {
        for text in [T0, T1] {
            let s = parse(text).unwrap();
            assert_eq!(s.skipped_lines, 0);
            // README: 302 families, 223 counters, 66 gauges, 13 histograms.
            assert_eq!(type_counts(&s), (302, 223, 66, 13));
        }
    }

    #[test]
    fn real_scrape_samples() {
        let t0 = parse(T0).unwrap();
        let t1 = parse(T1).unwrap();
        assert_eq!(t0.value("envoy_server_uptime"), Some(0.0));
        assert_eq!(t1.value("envoy_server_uptime"), Some(5.0));
        // `{}` on an untagged series gives an empty label set.
        let mem = t1.series("envoy_server_memory_allocated").next().unwrap();
        assert!(mem.labels.is_empty());
        assert_eq!(mem.value, 6462432.0);
        // The long float sum is read, correctly rounded.
        let sum = t1
            .series("envoy_cluster_upstream_rq_time_sum")
            .find(|s| s.label("envoy_cluster_name") == Some("httproute/default/backend/rule/0"))
            .unwrap();
        assert_eq!(
            sum.value,
            "1.0476190476190476719153821250075".parse::<f64>().unwrap()
        );
        assert!((sum.value - 1.047_619_047_619_047_6).abs() < 1e-15);
        // Labels are sorted by name.
        let xx = t1
            .series("envoy_http_downstream_rq_xx")
            .find(|s| {
                s.label("envoy_http_conn_manager_prefix") == Some("http-10080")
                    && s.label("envoy_response_code_class") == Some("5")
            })
            .unwrap();
        assert_eq!(xx.labels[0].0, "envoy_http_conn_manager_prefix");
        assert_eq!(xx.value, 29.0);
        let inf = t1
            .series("envoy_cluster_upstream_rq_time_bucket")
            .find(|s| s.label("le") == Some("+Inf"))
            .unwrap();
        assert_eq!(inf.value, 72.0);
    }

    /// Third-party Envoy output (DataDog's test fixture) stays in the shared
    /// reference folder; read it when it is there.
    #[test]
    fn sample_file_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/reference/envoy-stats-sample.prom"
        );
        let Ok(sample) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} is absent");
            return;
        };
        let s = parse(&sample).unwrap();
        assert_eq!(s.skipped_lines, 0);
        assert!(!s.samples.is_empty());
        assert_eq!(
            s.types.get("envoy_http_downstream_rq_total"),
            Some(&MetricType::Counter)
        );
        let total: f64 = s
            .series("envoy_http_downstream_rq_total")
            .map(|s| s.value)
            .sum();
        assert_eq!(total, 10.0);
    }

    #[test]
    fn forms_of_a_sample() {
        let s = one("up 1");
        assert_eq!((s.name.as_str(), s.value, s.labels.len()), ("up", 1.0, 0));
        assert_eq!(one("up{} 2").value, 2.0);
        assert_eq!(one("up{}2").value, 2.0);
        assert_eq!(one("  up { a = \"x\" , } 3  \t").label("a"), Some("x"));
        let s = one("x{b=\"2\",a=\"1\"} 4 1700000000000\r");
        assert_eq!(s.timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(
            s.labels,
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        assert_eq!(one("x -5e-3").value, -0.005);
        assert_eq!(one("x -12 -3").timestamp_ms, Some(-3));
        assert_eq!(one("ns:sub_name 7").name, "ns:sub_name");
    }

    #[test]
    fn special_values() {
        assert_eq!(one("x +Inf").value, f64::INFINITY);
        assert_eq!(one("x -Inf").value, f64::NEG_INFINITY);
        assert!(one("x NaN").value.is_nan());
        assert_eq!(
            one("x 1.0476190476190476719153821250075000000000000000000000001").value,
            1.047_619_047_619_047_6
        );
        assert_eq!(one("x 1e308").value, 1e308);
        assert_eq!(one("x 1e999").value, f64::INFINITY);
    }

    #[test]
    fn escaped_label_values() {
        let s = one(r#"x{a="q\"uote",b="back\\slash",c="new\nline",d="a,b}c=d",e="\t"} 1"#);
        assert_eq!(s.label("a"), Some("q\"uote"));
        assert_eq!(s.label("b"), Some("back\\slash"));
        assert_eq!(s.label("c"), Some("new\nline"));
        assert_eq!(s.label("d"), Some("a,b}c=d"));
        assert_eq!(s.label("e"), Some("\\t"));
        let s = one("x{a=\"héllo ✓\\é\"} 1");
        assert_eq!(s.label("a"), Some("héllo ✓\\é"));
        let s = one(r#"x{a="\\"} 1"#);
        assert_eq!(s.label("a"), Some("\\"));
    }

    #[test]
    fn crlf_comments_and_types() {
        let text = "# HELP x Help with \"quotes\"\r\n# TYPE x counter\r\n# just a comment\r\nx{} 1\r\n\r\n#\r\n# TYPE\r\n";
        let s = parse(text).unwrap();
        assert_eq!(s.samples.len(), 1);
        assert_eq!(s.types.get("x"), Some(&MetricType::Counter));
        // A bare `#` is a comment; a `# TYPE` without a name is malformed.
        assert_eq!(s.skipped_lines, 1);
    }

    #[test]
    fn malformed_lines_are_skipped_and_counted() {
        let bad = [
            "x",
            "x{",
            "x{a=\"1\"",
            "x{a=1} 1",
            "x{a=\"1\" b=\"2\"} 1",
            "x{1a=\"1\"} 1",
            "x{a=\"1\",a=\"2\"} 1",
            "x{a=\"1} 1",
            "x{a=\"1\\",
            "x 1 2 3",
            "x 1 1.5",
            "x one",
            "x{}",
            "9x 1",
            "{a=\"1\"} 1",
            "x{a-b=\"1\"} 1",
            "# TYPE x countr",
            "# TYPE 9x counter",
            "# TYPE x counter extra",
        ];
        let mut text = String::from("# TYPE good gauge\ngood 1\n");
        for b in bad {
            let one = parse(b);
            assert!(
                matches!(
                    one,
                    Err(ParseError::NotPrometheus {
                        skipped_lines: 1,
                        first_bad_line: 1,
                        ..
                    })
                ),
                "{b:?} → {one:?}"
            );
            text.push_str(b);
            text.push('\n');
        }
        text.push_str("good 2\n");
        let s = parse(&text).unwrap();
        assert_eq!(s.skipped_lines, bad.len());
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.samples[1].value, 2.0);
    }

    #[test]
    fn empty_and_non_prometheus_text() {
        assert_eq!(parse("").unwrap(), Scrape::default());
        assert_eq!(parse("\n\n# only comments\n").unwrap().samples.len(), 0);
        let html = "<html>\n<body>Forbidden</body>\n</html>\n";
        let err = parse(html).unwrap_err();
        assert!(err.to_string().contains("3 unreadable"), "{err}");
    }

    #[test]
    fn long_lines_parse() {
        // ~1 MB lines: many labels, a long escaped value, a long number.
        let mut many = String::from("x{");
        for i in 0..50_000 {
            many.push_str(&format!("l{i}=\"v\","));
        }
        many.push_str("} 1");
        assert_eq!(one(&many).labels.len(), 50_000);
        let escaped = format!("x{{a=\"{}\"}} 1", "\\\"".repeat(300_000));
        assert_eq!(one(&escaped).label("a").map(str::len), Some(300_000));
        let digits = format!("x 1.{}", "3".repeat(1_000_000));
        assert!((one(&digits).value - 4.0 / 3.0).abs() < 1e-15);
        let unterminated = format!("x{{a=\"{}", "\\n".repeat(300_000));
        assert_eq!(parse(&unterminated).map_err(|_| ()), Err(()));
    }

    /// A seeded PRNG (fastrand, a dev-dependency; the simulator's own PRNG
    /// sits above the metrics layer), with the index-sized draws the
    /// mutation test wants.
    struct SplitMix(fastrand::Rng);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0.u64(..)
        }

        /// Uniform in `0..n`, 0 when `n` is 0.
        fn below(&mut self, n: usize) -> usize {
            self.0.usize(..n.max(1))
        }
    }

    /// 10,000 inputs: random bytes, and windows of the real scrape with
    /// bytes flipped, inserted (from a set of syntax-relevant bytes),
    /// deleted and duplicated. Only checks that the parser returns; the
    /// cargo-fuzz target does the long run.
    #[test]
    fn never_panics_on_mutations() {
        const INTERESTING: &[u8] = b"{}\"\\=,# \t\r\n+-.eE0123456789InfNaTYPEHELP_:\xc3\xa9\xff";
        let mut rng = SplitMix(fastrand::Rng::with_seed(0x5EED_0E65_C0BE));
        let base = T1.as_bytes();
        let mut buf = Vec::new();
        for round in 0..10_000 {
            buf.clear();
            if round % 10 == 0 {
                let n = rng.below(256);
                buf.extend((0..n).map(|_| rng.next() as u8));
            } else {
                let len = 1 + rng.below(if round % 500 == 1 { base.len() } else { 1500 });
                let start = rng.below(base.len() - len.min(base.len()));
                buf.extend_from_slice(&base[start..start + len.min(base.len())]);
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(buf.len() + 1);
                    match rng.below(4) {
                        0 if at < buf.len() => buf[at] ^= 1 << rng.below(8),
                        1 => buf.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
                        2 if at < buf.len() => {
                            buf.remove(at);
                        }
                        _ => {
                            let end = (at + rng.below(64)).min(buf.len());
                            let dup = buf[at..end].to_vec();
                            buf.splice(at..at, dup);
                        }
                    }
                }
            }
            let text = String::from_utf8_lossy(&buf);
            let _ = parse(&text);
            if let Ok(text) = std::str::from_utf8(&buf) {
                let _ = parse(text);
            }
        }
    }
}
