/* Upfront storefront script. Loaded with `defer`; fills the theme's reserved slots
   (<div data-upfront-slot="estimate|badges">) with widgets the app renders, keeps the visitor's holdout variant,
   and only with analytics consent reports outcome counts and tags the cart with the variant.
   Config: the tag's data-upfront-* attributes (Shopify app embed), else ?shop=&platform= on its src (BigCommerce
   Script Manager), else the store hash in BigCommerce's CDN links. */
(function (w, d) {
  "use strict";
  var tag = d.currentScript;
  if (!tag || w.UpfrontWidgets) return;
  var cfg = tag.dataset;
  var src = new URL(tag.src, location.href);
  var proxy = cfg.upfrontProxy;
  var platform = cfg.upfrontPlatform || src.searchParams.get("platform") || (proxy || w.Shopify ? "shopify" : "bigcommerce");
  var shop = cfg.upfrontShop || src.searchParams.get("shop") || storeHash();
  if (!proxy && !shop) return;
  var base = proxy
    ? proxy.replace(/\/$/, "")
    : (cfg.upfrontApi || src.origin) + "/storefront/" + platform + "/" + encodeURIComponent(shop);
  var locale = cfg.upfrontLocale || d.documentElement.lang || "en";
  var page = cfg.upfrontPage || pageType();
  var queue = [];
  var seen = {};
  var variant = null;
  var memoryId = null;
  var cartInfo = null;
  var KEY = "upfront_vid";
  w.UpfrontWidgets = { refresh: start };

  function storeHash() {
    var el = d.querySelector('link[href*="/s-"],script[src*="/s-"],img[src*="/s-"]');
    var m = el && (el.href || el.src).match(/bigcommerce\.com\/s-([a-z0-9]+)\//);
    return m ? m[1] : "";
  }

  function pageType() {
    var meta = w.ShopifyAnalytics && w.ShopifyAnalytics.meta;
    var type = meta && meta.page && meta.page.pageType;
    if (type) return type;
    if (/\/cart(\.php)?\/?$/.test(location.pathname)) return "cart";
    return /\/products?\//.test(location.pathname) || (w.BCData && w.BCData.product_attributes) ? "product" : "";
  }

  // Analytics consent: Shopify's Customer Privacy API, else BigCommerce's consent cookie. BigCommerce's own docs
  // disagree on whether 2 or 3 is analytics, so both must be allowed: never count without consent.
  function consent() {
    try {
      var privacy = w.Shopify && w.Shopify.customerPrivacy;
      if (privacy && privacy.analyticsProcessingAllowed) return !!privacy.analyticsProcessingAllowed();
      var m = d.cookie.match(/(?:^|; )bc_consent=([^;]*)/);
      if (m) {
        var allow = JSON.parse(decodeURIComponent(m[1])).allow;
        return allow.indexOf(2) >= 0 && allow.indexOf(3) >= 0;
      }
    } catch (e) {}
    return false;
  }

  // A random visitor id: in sessionStorage (or memory) only, unless the visitor allowed analytics.
  function visitorId() {
    var id = null;
    try {
      id = localStorage.getItem(KEY) || sessionStorage.getItem(KEY);
    } catch (e) {}
    id = id || memoryId || Math.random().toString(36).slice(2) + Date.now().toString(36);
    memoryId = id;
    try {
      sessionStorage.setItem(KEY, id);
      if (consent()) localStorage.setItem(KEY, id);
      else localStorage.removeItem(KEY);
    } catch (e) {}
    return id;
  }

  function bucket() {
    var text = (shop || base) + ":" + visitorId();
    for (var h = 2166136261, i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    return h % 100;
  }

  function shopifyRoot() {
    return (w.Shopify && w.Shopify.routes && w.Shopify.routes.root) || "/";
  }

  function cart() {
    if (platform !== "shopify") return Promise.resolve(null);
    cartInfo =
      cartInfo ||
      fetch(shopifyRoot() + "cart.js", { headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .catch(function () {
          return null;
        });
    return cartInfo;
  }

  function saved() {
    try {
      return JSON.parse(sessionStorage.getItem("upfront_dest")) || {};
    } catch (e) {
      return {};
    }
  }

  function query(slot, kind) {
    var s = slot.dataset;
    var p = new URLSearchParams({ locale: locale, bucket: bucket() });
    var place = s.upfrontPlacement || (page === "product" || page === "cart" ? page : kind === "badges" ? "footer" : "");
    if (place) p.set("placement", place);
    if (kind === "badges") return Promise.resolve(p);
    var dest = saved();
    var country = dest.country || s.upfrontCountry || cfg.upfrontCountry;
    if (country) p.set("country", country);
    if (dest.postcode) p.set("postcode", dest.postcode);
    var needCart = !(s.upfrontSubtotal || cfg.upfrontSubtotal);
    return (needCart ? cart() : Promise.resolve(null)).then(function (c) {
      p.set("subtotal", s.upfrontSubtotal || cfg.upfrontSubtotal || (c ? (c.total_price / 100).toFixed(2) : "0"));
      var weight = s.upfrontWeightG || cfg.upfrontWeightG || (c && c.total_weight);
      if (weight) p.set("weight_g", Math.round(weight));
      var items = s.upfrontItemCount || (c && c.item_count);
      if (items) p.set("item_count", items);
      var currency = s.upfrontCurrency || cfg.upfrontCurrency || (c && c.currency);
      if (currency) p.set("currency", currency);
      return p;
    });
  }

  function fill(slot) {
    var kind = slot.getAttribute("data-upfront-slot");
    if (kind !== "estimate" && kind !== "badges") return Promise.resolve();
    return query(slot, kind)
      .then(function (p) {
        return fetch(base + "/widgets/" + kind + "?" + p, { headers: { Accept: "text/html" } });
      })
      .then(function (r) {
        if (!r.ok) throw new Error("Upfront: " + r.status);
        var v = r.headers.get("X-Upfront-Variant");
        return r.text().then(function (html) {
          if (v === "treatment" || v === "control") setVariant(v);
          if (v === "treatment" && html) {
            slot.innerHTML = html;
            if (slot.upfrontFloat && !slot.upfrontFloat.isConnected) d.body.appendChild(slot.upfrontFloat);
            slot.classList.add("upfront-in");
            wire(slot, kind);
          }
          if ((v === "control" || (v === "treatment" && html)) && !seen[kind]) {
            seen[kind] = 1;
            track(kind, "impression");
          }
        });
      })
      .catch(function () {});
  }

  function wire(slot, kind) {
    if (slot.upfrontWired) return;
    slot.upfrontWired = 1;
    slot.addEventListener("click", function (e) {
      var toggle = e.target.closest("[data-upfront-toggle]");
      if (e.target.closest("a")) track(kind, "interaction");
      if (!toggle) return;
      var form = slot.querySelector("[data-upfront-form]");
      var open = form.hidden;
      form.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) form.elements[0].focus();
      track(kind, "interaction");
    });
    slot.addEventListener("submit", function (e) {
      e.preventDefault();
      var form = e.target;
      try {
        sessionStorage.setItem(
          "upfront_dest",
          JSON.stringify({ country: form.elements.country.value, postcode: form.elements.postcode.value.trim() })
        );
      } catch (err) {}
      track(kind, "interaction");
      slot.setAttribute("aria-live", "polite");
      fill(slot).then(function () {
        var toggle = slot.querySelector("[data-upfront-toggle]");
        if (toggle) toggle.focus();
      });
    });
  }

  function setVariant(v) {
    if (variant) return;
    variant = v;
    tagCart();
  }

  // With consent, the variant travels with the order (Shopify cart attribute) so conversions can be compared.
  function tagCart() {
    if (platform !== "shopify" || !variant || !consent()) return;
    try {
      if (sessionStorage.getItem("upfront_tagged") === variant) return;
      sessionStorage.setItem("upfront_tagged", variant);
    } catch (e) {}
    fetch(shopifyRoot() + "cart/update.js", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ attributes: { _upfront_variant: variant } }),
    }).catch(function () {});
  }

  function track(widget, type) {
    if (!variant) return;
    queue.push({ widget: widget, variant: variant, type: type });
    if (queue.length >= 20) flush();
  }

  // Counts leave the browser only with analytics consent; without it the batch is dropped here.
  function flush() {
    var batch = queue.splice(0, 50);
    if (!batch.length || !consent() || !navigator.sendBeacon) return;
    navigator.sendBeacon(base + "/events", JSON.stringify({ consent: "analytics", events: batch }));
  }

  function autoSlot() {
    if (d.querySelector('[data-upfront-slot="estimate"]') || cfg.upfrontAutoslot === "off") return null;
    if (page !== "product" && page !== "cart") return null;
    var slot = d.createElement("div");
    slot.setAttribute("data-upfront-slot", "estimate");
    slot.className = "upfront-auto";
    var main = d.querySelector("main") || d.body;
    // Below the fold nothing the shopper sees moves; otherwise float above the page instead of pushing it.
    if (main.getBoundingClientRect().bottom > innerHeight) {
      main.appendChild(slot);
      return null;
    }
    var wrap = d.createElement("div");
    var close = d.createElement("button");
    wrap.className = "upfront-fixed";
    close.type = "button";
    close.className = "upfront-x";
    close.setAttribute("aria-label", /^de/i.test(locale) ? "Schließen" : "Close");
    close.textContent = "×";
    close.onclick = function () {
      wrap.remove();
    };
    wrap.append(close, slot);
    slot.upfrontFloat = wrap; // attached only once it has content: a box that grows would move
    return slot;
  }

  function style() {
    if (d.getElementById("upfront-css")) return;
    var el = d.createElement("style");
    el.id = "upfront-css";
    el.textContent =
      "[data-upfront-slot=estimate]{min-height:var(--upfront-estimate-height,11rem)}" +
      "[data-upfront-slot=badges]{min-height:var(--upfront-badges-height,7rem)}" +
      ".upfront-w{--a:var(--upfront-accent,#1d5c96);box-sizing:border-box;contain:inline-size;margin:0;padding:.625rem .875rem;" +
      "font-size:var(--upfront-font-size,.9375rem);line-height:1.4;color:var(--upfront-text,inherit);" +
      "background:var(--upfront-bg,transparent);border:1px solid var(--upfront-border,rgba(0,0,0,.18));" +
      "border-radius:var(--upfront-radius,8px)}" +
      ".upfront-w *{box-sizing:border-box}.upfront-w p,.upfront-w ul,.upfront-w li{margin:0;padding:0;list-style:none}" +
      ".upfront-t{font-weight:600}.upfront-w [hidden]{display:none}" +
      ".upfront-l{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.upfront-g{color:var(--upfront-success,inherit)}" +
      ".upfront-a,.upfront-x{font:inherit;color:var(--a);background:none;border:0;padding:0;cursor:pointer;text-decoration:underline}" +
      ".upfront-w :focus-visible,.upfront-x:focus-visible{outline:2px solid var(--a);outline-offset:2px}" +
      ".upfront-f{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-top:.5rem}.upfront-f label{display:grid}" +
      ".upfront-f select,.upfront-f input{font:inherit;padding:.25rem .375rem;border:1px solid #767676;border-radius:4px;" +
      "background:#fff;color:#111}.upfront-f button{font:inherit;padding:.3rem .75rem;border:0;border-radius:4px;" +
      "background:var(--a);color:var(--upfront-accent-text,#fff);cursor:pointer}" +
      ".upfront-r{display:grid;gap:.375rem}.upfront-r-footer{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}" +
      ".upfront-b{display:flex;gap:.5rem;align-items:center;min-width:0}" +
      ".upfront-w .upfront-i{flex:none;width:20px;height:20px;margin:0;color:var(--a)}" +
      ".upfront-bd{font-size:.875em}.upfront-bd a{color:var(--a)}" +
      ".upfront-fixed{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));" +
      "background:var(--upfront-bg,#fff);border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2)}.upfront-fixed .upfront-w{padding-right:2rem}" +
      ".upfront-fixed [data-upfront-slot]{min-height:0}" +
      ".upfront-x{position:absolute;top:.25rem;right:.5rem;text-decoration:none;font-size:1.25rem;line-height:1}" +
      ".upfront-in{animation:upfront-fade .2s ease-out}@keyframes upfront-fade{from{opacity:0}}" +
      "@media (prefers-reduced-motion:reduce){.upfront-in{animation:none}}";
    d.head.appendChild(el);
  }

  function start() {
    style();
    var own = autoSlot();
    var slots = Array.prototype.slice.call(d.querySelectorAll("[data-upfront-slot]"));
    if (own) slots.push(own);
    return Promise.all(slots.map(fill));
  }

  if (platform === "shopify" && w.Shopify && !w.Shopify.customerPrivacy && w.Shopify.loadFeatures) {
    w.Shopify.loadFeatures([{ name: "consent-tracking-api", version: "0.1" }], function () {});
  }
  d.addEventListener("visitorConsentCollected", function () {
    visitorId();
    tagCart();
  });
  d.addEventListener(
    "submit",
    function (e) {
      var form = e.target;
      if (/\/cart\/add/.test(form.action || "") || form.hasAttribute("data-cart-item-add")) {
        for (var kind in seen) track(kind, "add_to_cart");
        flush();
      }
    },
    true
  );
  addEventListener("pagehide", flush);
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") flush();
  });
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})(window, document);
