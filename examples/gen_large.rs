//! Writes the generated `large` scenario as a `kind: List` JSON snapshot:
//! `cargo run --release --example gen_large -- OUT.json [QUARTERS]` where
//! QUARTERS (1-4, default 4) scales the 1,000 Gateways / 20,000 HTTPRoutes /
//! 2,000 policies / 5,000 pods of the full scenario.

use egscope::sim::{LargeParams, generate, to_list_json};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "large.json".into());
    let q: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(4);
    let p = LargeParams::scaled(q);
    let objs = generate(&p);
    std::fs::write(&out, to_list_json(&objs)).expect("write the snapshot");
    eprintln!("wrote {} objects to {out}", objs.len());
}
