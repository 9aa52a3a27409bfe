#pragma once
// Content-hashed names for the web client's assets, so a CDN or a browser may keep them for a year
// (Cache-Control: immutable) and an upgrade can never serve a stale mix of old and new files:
//  - every script, style and image gets a second URL with its content hash ("/js/app.js" -> "/js/app.1f2e3d4c5b6a.js");
//  - a page's src="/…" and href="/…" attributes that name such an asset are rewritten to the hashed URL;
//  - ES modules import each other by their plain names ('./api.js'), so the page gets an import map that sends every
//    module's plain URL to its hashed one. The page itself stays no-cache: it is what names the current assets.
// The import map is an inline script; the page's Content-Security-Policy allows exactly it by its SHA-256.
// Pure functions, no I/O. Thread safety: none needed.
#include <map>
#include <string>
#include <string_view>

namespace hearth::http {

// "/js/app.js" with its content -> "/js/app.<12 hex digits>.js"; a name without an extension gets the hash appended.
std::string hashed_path(std::string_view path, std::string_view content);

struct RewrittenPage {
  std::string html;
  std::string import_map_hash;  // "'sha256-<base64>'" for the CSP's script-src; empty when no map was inserted
};

// Rewrites the src="…" / href="…" attributes of `html` whose value is a key of `hashed` (plain URL path -> hashed
// URL path) and, if the page has a <script type="module">, inserts before the first one an import map that covers
// every ".js" entry of `hashed`. Attribute values with a query or fragment are left alone.
RewrittenPage rewrite_page(std::string_view html, const std::map<std::string, std::string>& hashed);

}  // namespace hearth::http
