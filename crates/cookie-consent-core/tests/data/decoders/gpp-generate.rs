// Generates US GPP sections and records what iab_gpp (noirotm/iabgpp-rs) decodes:
// one JSON line per string it accepts, with whether any sale/sharing/targeted
// advertising opt-out is 1 or GPC is set.
use std::str::FromStr;

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode(bits: &[u8]) -> String {
    bits.chunks(6)
        .map(|c| {
            let mut v = 0;
            for i in 0..6 {
                v = (v << 1) | c.get(i).copied().unwrap_or(0);
            }
            B64[v as usize] as char
        })
        .collect()
}
fn int(bits: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        bits.push(((v >> i) & 1) as u8);
    }
}
fn fib(bits: &mut Vec<u8>, mut n: u64) {
    let mut f = vec![1u64, 2];
    while *f.last().unwrap() <= n {
        let k = f.len();
        f.push(f[k - 1] + f[k - 2]);
    }
    let mut code = vec![0u8; f.len()];
    for i in (0..f.len()).rev() {
        if f[i] <= n {
            code[i] = 1;
            n -= f[i];
        }
    }
    while code.last() == Some(&0) {
        code.pop();
    }
    bits.extend(code);
    bits.push(1);
}
fn header(ids: &[u64]) -> String {
    let mut b = Vec::new();
    int(&mut b, 3, 6);
    int(&mut b, 1, 6);
    int(&mut b, ids.len() as u64, 12);
    let mut last = 0;
    for &id in ids {
        b.push(0);
        fib(&mut b, id - last);
        last = id;
    }
    encode(&b)
}

fn opted_out(v: &serde_json::Value) -> bool {
    let obj = v.as_object().unwrap();
    let section = obj.values().next().unwrap();
    let mut core = &section["core"];
    // usnat nests its core by version.
    for version in ["V1", "V2"] {
        if let Some(inner) = core.get(version) {
            core = inner;
        }
    }
    let out = ["sale_opt_out", "sharing_opt_out", "targeted_advertising_opt_out"]
        .iter()
        .any(|k| core.get(*k).and_then(|x| x.as_str()) == Some("OptedOut"));
    out || section.get("gpc").and_then(|g| g.as_bool()) == Some(true)
}

fn main() {
    let mut rng = fastrand::Rng::with_seed(20261204);
    let mut per_section = std::collections::BTreeMap::new();
    for _ in 0..200_000 {
        let id = rng.u64(7..=27);
        if per_section.get(&id).copied().unwrap_or(0) >= 40 {
            continue;
        }
        let mut core = Vec::new();
        // Version (or MspaVersion) 1; for usnat 1 or 2.
        let version = if id == 7 { rng.u64(1..=2) } else { 1 };
        let with_header = id >= 24 && rng.bool();
        let mut hb = Vec::new();
        if with_header {
            int(&mut hb, id, 6);
            int(&mut hb, 1, 6);
            int(&mut hb, 1, 12);
            hb.push(0);
            fib(&mut hb, 1); // subsection 0 is offset 0? encode ids+1 not needed
        }
        int(&mut core, version, 6);
        for _ in 0..60 {
            int(&mut core, rng.u64(0..=2), 2);
        }
        let mut value = String::new();
        if with_header {
            value.push_str(&encode(&hb));
            value.push('.');
        }
        value.push_str(&encode(&core[..rng.usize(40..=126)]));
        match rng.u8(0..3) {
            0 => {}
            1 => value.push_str(if rng.bool() { ".YA" } else { ".QA" }),
            _ => {
                let mut sub = Vec::new();
                for _ in 0..12 {
                    int(&mut sub, rng.u64(0..=2), 2);
                }
                value.push('.');
                value.push_str(&encode(&sub));
            }
        }
        let full = format!("{}~{}", header(&[id]), value);
        let Ok(gpp) = iab_gpp::v1::GPPString::from_str(&full) else { continue };
        let Some(Ok(section)) = gpp.decode_all_sections().into_iter().next() else { continue };
        let json = serde_json::to_value(&section).unwrap();
        *per_section.entry(id).or_insert(0) += 1;
        println!(
            "{}",
            serde_json::json!({"value": full, "section": id, "opted_out": opted_out(&json)})
        );
    }
    eprintln!("{per_section:?}");
}
