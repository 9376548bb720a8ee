//! `report.html` rendered by headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it): every chart drawn with a size, a ranked row per arm, no URL, and
//! nothing wider than the window at 1280 and at 390 pixels. Screenshots are kept
//! under target/report-screenshots/. Without Chromium the test says so and passes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{WorkDir, assert_success, scenario};

use attrition::report::chromium;

/// Runs the browser headless on `page` with a window `width` wide.
fn browse(
    browser: &Path,
    profile: &Path,
    (width, height): (u32, u32),
    page: &Path,
    what: &[String],
) -> String {
    let output = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .args(what)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A script that writes what the test checks into the DOM once the page is laid out.
const PROBE: &str = r#"<script>
addEventListener('load', () => {
  // Each chart is in the page twice (wide and narrow); the CSS shows one.
  const shown = [...document.querySelectorAll('svg.chart')].filter(s => getComputedStyle(s).display !== 'none');
  const sizes = shown.map(s => { const r = s.getBoundingClientRect(); return r.width + 'x' + r.height; });
  // The chart text's size on screen: 13 user units, scaled as the chart is.
  const font = Math.min(...shown.map(s => 13 * s.getBoundingClientRect().width / s.viewBox.baseVal.width));
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({ scroll: document.documentElement.scrollWidth, inner: innerWidth,
    charts: sizes, font, rows: document.querySelectorAll('#ranking tbody tr').length });
  document.body.appendChild(out);
});
</script>"#;

#[test]
fn the_report_renders_in_a_browser_at_laptop_and_phone_widths() {
    let Some(browser) = chromium() else {
        println!("skipped: no chromium on PATH (Debian: apt-get install chromium)");
        return;
    };
    let work = WorkDir::new("report-browser");
    assert_success(&work.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "3",
        "--outputs",
        "csv",
        "--quiet",
        "--report",
    ]));
    let directory = work.path.join("output/tech_org");
    let html = std::fs::read_to_string(directory.join("report.html")).unwrap();
    assert!(!html.contains("http"), "no URL in the report");
    let charts = html.matches("<svg class=\"chart wide\"").count();
    assert_eq!(
        html.matches("<svg class=\"chart narrow\"").count(),
        charts,
        "each chart laid out for a phone too"
    );
    assert!(charts >= 3, "retention, comparison and fan charts: {charts}");
    let probed = directory.join("probed.html");
    std::fs::write(&probed, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = work.path.join("profile");
    for width in [1280u32, 390] {
        let dom = browse(&browser, &profile, (width, 900), &probed, &["--dump-dom".into()]);
        let start = dom.find("<pre id=\"probe\">").expect("the probe ran") + "<pre id=\"probe\">".len();
        let end = start + dom[start..].find("</pre>").unwrap();
        let probe: serde_json::Value =
            serde_json::from_str(&dom[start..end].replace("&quot;", "\"")).unwrap();
        assert_eq!(probe["rows"], 6, "a ranked row per arm at {width}: {probe}");
        let sizes = probe["charts"].as_array().unwrap();
        assert_eq!(sizes.len(), charts, "every chart is shown once at {width}");
        for size in sizes {
            let (w, h) = size.as_str().unwrap().split_once('x').unwrap();
            assert!(
                w.parse::<f64>().unwrap() > 0.0 && h.parse::<f64>().unwrap() > 0.0,
                "a chart of size {size} at {width}"
            );
        }
        let font = probe["font"].as_f64().unwrap();
        assert!(font >= 10.0, "chart text is {font:.1} px at {width}, too small to read: {probe}");
        assert!(
            probe["scroll"].as_f64().unwrap() <= probe["inner"].as_f64().unwrap(),
            "the page overflows the window at {width}: {probe}"
        );
        let shot = shots.join(format!("tech_org-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        // Tall enough to show the ranking and the first charts (the README's screenshots).
        browse(
            &browser,
            &profile,
            (width, if width < 600 { 2600 } else { 1800 }),
            &directory.join("report.html"),
            &[format!("--screenshot={}", shot.display())],
        );
        assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000), "a screenshot at {width}");
    }
}

#[test]
fn the_pdf_has_a_page_per_section() {
    if chromium().is_none() {
        println!("skipped: no chromium on PATH (Debian: apt-get install chromium)");
        return;
    }
    let work = WorkDir::new("report-pdf");
    assert_success(&work.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "2",
        "--outputs",
        "csv",
        "--quiet",
        "--report",
        "--pdf",
    ]));
    let pdf = std::fs::read(work.path.join("output/tech_org/report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let html = std::fs::read_to_string(work.path.join("output/tech_org/report.html")).unwrap();
    let sections = html.matches("<section").count();
    // Each page object is `/Type /Page` (the tree is `/Type /Pages`).
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let pages = if pages == 0 {
        text.matches("/Type/Page").count() - text.matches("/Type/Pages").count()
    } else {
        pages
    };
    assert!(pages >= sections, "{pages} pages for {sections} sections");
}
