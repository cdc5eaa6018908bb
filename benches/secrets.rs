//! What the secret scan costs: `cargo bench --bench secrets [DIR]` analyses
//! every file under DIR (default: a synthetic spec of about 500 KB with a
//! secret every 50 lines) and prints, per file and in total, the time of the
//! scan alone and of the whole analysis (best of 3), and their throughput.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faultline::analysis::engine::Engine;
use faultline::analysis::secrets::scan;
use faultline::analysis::{AnalysisRequest, Analyzer, ArtifactKind, Metadata};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn synthetic() -> String {
    let mut s = String::from("openapi: 3.0.3\ninfo: {title: Big, version: '1'}\npaths:\n");
    let mut i = 0;
    while s.len() < 500_000 {
        s.push_str(&format!(
            "  /r{i}/{{id}}:\n    get:\n      description: Returns r{i}; token in header.\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: ok, content: {{application/json: {{example: {{password: Zq8Wm3Rt5Yn{i}}}}}}}}}}}\n"
        ));
        i += 1;
    }
    s
}

fn best_of_3(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let dir = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let inputs: Vec<(String, String)> = match dir {
        Some(d) => {
            let mut paths = Vec::new();
            files(Path::new(&d), &mut paths);
            paths
                .into_iter()
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    Some((p.file_name()?.to_string_lossy().into_owned(), text))
                })
                .collect()
        }
        None => vec![("synthetic-500k.yaml".into(), synthetic())],
    };
    let engine = Engine::default();
    let metadata = Metadata::default();
    let (mut bytes, mut t_scan, mut t_all, mut secrets) =
        (0usize, Duration::ZERO, Duration::ZERO, 0);
    println!(
        "{:<64} {:>8} {:>9} {:>11} {:>6} {:>7}",
        "file", "KB", "scan ms", "analyze ms", "share", "secrets"
    );
    for (name, text) in &inputs {
        let mut found = 0;
        let scan_t = best_of_3(|| found = scan(text).len());
        let request = AnalysisRequest {
            content: text,
            kind: ArtifactKind::Auto,
            metadata: &metadata,
        };
        let all_t = best_of_3(|| {
            let _ = engine.analyze(&request, &mut |_| {});
        });
        println!(
            "{:<64} {:>8.1} {:>9.2} {:>11.2} {:>5.1}% {:>7}",
            name.chars().take(64).collect::<String>(),
            text.len() as f64 / 1024.0,
            scan_t.as_secs_f64() * 1e3,
            all_t.as_secs_f64() * 1e3,
            100.0 * scan_t.as_secs_f64() / all_t.as_secs_f64().max(1e-9),
            found
        );
        bytes += text.len();
        t_scan += scan_t;
        t_all += all_t;
        secrets += found;
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "\n{} files, {mb:.1} MB, {secrets} secrets: scan {:.1} ms ({:.0} MB/s), analysis {:.1} ms ({:.1} MB/s); the scan is {:.1}% of analysis time",
        inputs.len(),
        t_scan.as_secs_f64() * 1e3,
        mb / t_scan.as_secs_f64().max(1e-9),
        t_all.as_secs_f64() * 1e3,
        mb / t_all.as_secs_f64().max(1e-9),
        100.0 * t_scan.as_secs_f64() / t_all.as_secs_f64().max(1e-9)
    );
}
