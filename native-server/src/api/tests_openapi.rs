//! The OpenAPI document agrees with the router and with docs/http-api.md: it is served, its
//! references resolve, every route the docs describe is in it, and every operation in it is
//! routed (answered by its handler, not by the "no route" or "method not allowed" fallbacks).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use super::openapi::DOCUMENT;
use super::tests::{app, call, free_ports};

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Every (METHOD, path) the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push(v.as_str().expect("$ref is a string"));
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_served_and_whole() {
    let (app, _files) = app(free_ports(4));
    let (status, served) = call(&app, "GET", "/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = document();
    assert_eq!(served, doc);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "$ref {r} does not resolve"
        );
    }
}

#[test]
fn every_route_in_the_docs_is_in_the_document() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/http-api.md"))
        .expect("docs/http-api.md");
    let described = operations(&document());
    let mut checked = 0;
    for line in docs.lines().filter(|l| l.starts_with("### `")) {
        // "### `POST /a`, `POST /b`": every route named in the heading.
        for route in line.split('`').skip(1).step_by(2) {
            let Some((method, path)) = route.split_once(' ') else {
                continue;
            };
            // "/record/start|pause|resume|stop": one route per alternative.
            let (stem, last) = path.rsplit_once('/').unwrap_or(("", path));
            for alternative in last.split('|') {
                let path = format!("{stem}/{alternative}");
                checked += 1;
                assert!(
                    described.contains(&(method.to_owned(), path.clone())),
                    "docs/http-api.md describes {method} {path}, which openapi.json lacks \
                     (python3 scripts/openapi.py > native-server/src/api/openapi.json)"
                );
            }
        }
    }
    assert!(checked >= 20, "{checked} routes found in the docs");
}

#[tokio::test]
async fn every_operation_in_the_document_is_routed() {
    let (app, _files) = app(free_ports(4));
    for (method, path) in operations(&document()) {
        let uri = path
            .replace("{id}", "nope")
            .replace("{endpoint}", "nope")
            .replace("{name}", "nope.wav");
        let mut request = Request::builder().method(method.as_str()).uri(&uri);
        let body = if method == "POST" || method == "PUT" {
            request = request.header("content-type", "application/json");
            Body::from("{}")
        } else {
            Body::empty()
        };
        let response = app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {text}"
        );
        assert!(
            !text.contains("no route for"),
            "{method} {uri} is in openapi.json but not routed: {text}"
        );
    }
}
