//! Snapshots of every public page in both languages (form tokens blanked), and the page budget:
//! each page at most 50 KB over the wire.

use athar_web::i18n::Lang;

use crate::util::{Browser, Resp, redact, start};

fn snap(name: &str, lang: Lang, resp: &Resp) {
    insta::assert_snapshot!(format!("{name}_{}", lang.code()), redact(&resp.text()));
}

#[tokio::test]
async fn every_public_page_in_both_languages() {
    for lang in Lang::ALL {
        let l = lang.code();
        let server = start().await;
        let mut b = Browser::new(server.addr);
        for page in ["", "search", "report", "survivor", "tip", "follow"] {
            let resp = b.get(&format!("/{l}/{page}")).await;
            assert_eq!(resp.status, 200, "/{l}/{page}");
            let name = if page.is_empty() { "home" } else { page };
            snap(name, lang, &resp);
        }
        // Answers and results.
        let r = b.post(&format!("/{l}/search"), &[("name", "محمد")]).await;
        assert_eq!(r.status, 422);
        snap("search_refused", lang, &r);
        let r = b
            .post(
                &format!("/{l}/search"),
                &[("name", "محمد الحلبي"), ("father_name", "خالد")],
            )
            .await;
        snap("search_no_record", lang, &r);
        let r = b
            .post(
                &format!("/{l}/search"),
                &[("name", "محمد الحلبي"), ("father_name", "احمد")],
            )
            .await;
        snap("search_match", lang, &r);
        b.get(&format!("/{l}/report")).await;
        let r = b
            .post(
                &format!("/{l}/report"),
                &[("first_name", "سامر"), ("family_name", "النجار")],
            )
            .await;
        snap("report_done", lang, &r);
        let html = r.text();
        let at = html.find("id=\"follow-code\">").unwrap() + 17;
        let code = html[at..].split('<').next().unwrap().to_string();
        b.get(&format!("/{l}/follow")).await;
        let r = b.post(&format!("/{l}/follow"), &[("code", &code)]).await;
        assert_eq!(r.status, 200);
        snap("follow_found", lang, &r);
        b.get(&format!("/{l}/survivor")).await;
        let r = b
            .post(&format!("/{l}/survivor"), &[("prison_number", "9901")])
            .await;
        snap("survivor_done", lang, &r);
        b.get(&format!("/{l}/tip")).await;
        let r = b
            .post(&format!("/{l}/tip"), &[("text", "باب مغلق تحت المبنى ب")])
            .await;
        snap("tip_thanks", lang, &r);
        let r = b
            .post(
                &format!("/{l}/follow"),
                &[("code", "00000-00000-00000-00000")],
            )
            .await;
        snap("follow_not_found", lang, &r);
        let r = b.get(&format!("/{l}/no-such-page")).await;
        assert_eq!(r.status, 404);
        snap("not_found", lang, &r);
    }
}

#[tokio::test]
async fn pages_fit_the_budget_compressed() {
    let server = start().await;
    for lang in Lang::ALL {
        for page in ["", "search", "report", "survivor", "tip", "follow"] {
            let path = format!("/{}/{page}", lang.code());
            let req = format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n"
            );
            let resp = crate::util::raw(server.addr, req.as_bytes()).await;
            assert_eq!(resp.status, 200);
            assert!(
                resp.header("content-encoding").is_some(),
                "{path} not compressed"
            );
            assert!(
                resp.body.len() <= 50 * 1024,
                "{path}: {} bytes",
                resp.body.len()
            );
        }
    }
    let css = crate::util::raw(
        server.addr,
        b"GET /static/site.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(css.status, 200);
    assert!(css.body.len() <= 50 * 1024);
}

#[tokio::test]
async fn arabic_is_the_default_and_right_to_left() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    let r = b.get("/").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/ar/"));
    let r = b.get("/ar/").await;
    assert!(r.text().contains("<html lang=\"ar\" dir=\"rtl\">"));
    // The visible switch points at the same page in English.
    let r = b.get("/ar/search").await;
    assert!(r.text().contains("href=\"/en/search\" lang=\"en\""));
    let r = b.get("/en/search").await;
    assert!(r.text().contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(r.text().contains("href=\"/ar/search\" lang=\"ar\""));
}

#[tokio::test]
async fn every_input_has_a_label() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    for lang in ["ar", "en"] {
        for page in ["search", "report", "survivor", "tip", "follow"] {
            let html = b.get(&format!("/{lang}/{page}")).await.text();
            for part in html.split("id=\"").skip(1) {
                let id = part.split('"').next().unwrap();
                let tag_start = html[..html.find(&format!("id=\"{id}\"")).unwrap()]
                    .rfind('<')
                    .unwrap();
                let tag = &html[tag_start..tag_start + 10];
                if tag.starts_with("<input")
                    || tag.starts_with("<select")
                    || tag.starts_with("<textarea")
                {
                    assert!(
                        html.contains(&format!("<label for=\"{id}\">")),
                        "/{lang}/{page}: #{id} has no label"
                    );
                }
            }
        }
    }
}
