/* Upfront storefront script. Loaded with `defer`; fills the theme's reserved slots
   (<div data-upfront-slot="estimate|badges">) with widgets the app renders, keeps the visitor's holdout variant,
   and only with analytics consent reports outcome counts and tags the cart with the variant. Help prompts: the
   shop's rules arrive as JSON and their triggers are evaluated here; the prompt is a fragment fetched on trigger.
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
  var SPOTS = / upfront-(bl|tr|tl|mr|ml|c)(?= |$)/g;
  var help = null;
  var box = null;
  var wantEstimate = 0;
  var lastEstimate = null;
  // An id kept from an earlier visit: it exists only with analytics consent
  var returning = 0;
  try {
    returning = !sessionStorage.getItem(KEY) && localStorage.getItem(KEY) ? 1 : 0;
  } catch (e) {}
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
    // A footer row below the page's own badges leaves out what those already say: each badge once.
    var own = d.querySelector('[data-upfront-slot=badges]:not([data-upfront-placement="footer"])');
    if (place === "footer" && own && own !== slot) p.set("shown", own.dataset.upfrontPlacement || page);
    if (kind === "badges") return Promise.resolve(money(p, s, null));
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
      // The products on the page (or in the cart) choose the delivery profiles: product-specific rates.
      var lines = s.upfrontItems || cfg.upfrontItems;
      if (!lines && c && c.items)
        lines = c.items
          .filter(function (i) {
            return i.product_id;
          })
          .map(function (i) {
            return [i.product_id, i.variant_id || "", i.quantity, i.grams == null ? "" : Math.round(i.grams)].join(":");
          })
          .join(",");
      if (lines) p.set("items", lines);
      return money(p, s, c);
    });
  }

  // The shopper's currency: the slot's or the embed's (Liquid cart.currency), the cart's, Shopify's active one;
  // with Shopify's storefront rate for it, which the app uses only where the shop states no fixed rate.
  function money(p, s, c) {
    var active = (w.Shopify && w.Shopify.currency) || {};
    var currency = s.upfrontCurrency || cfg.upfrontCurrency || (c && c.currency) || active.active;
    if (currency) p.set("currency", currency);
    if (currency && currency === active.active && +active.rate > 0) p.set("rate", (+active.rate).toFixed(12));
    return p;
  }

  function fill(slot) {
    var kind = slot.getAttribute("data-upfront-slot");
    if (kind !== "estimate" && kind !== "badges") return Promise.resolve();
    return query(slot, kind)
      .then(function (p) {
        if (kind === "estimate") lastEstimate = p;
        return fetch(base + "/widgets/" + kind + "?" + p, { headers: { Accept: "text/html" } });
      })
      .then(function (r) {
        if (!r.ok) throw new Error("Upfront: " + r.status);
        var v = r.headers.get("X-Upfront-Variant");
        return r.text().then(function (html) {
          if (v === "treatment" || v === "control") setVariant(v);
          if (v === "treatment" && html) {
            slot.innerHTML = html;
            // A floated box's close button in the widget's language (the fragment carries the word).
            if (slot.upfrontFloat && !slot.upfrontFloat.isConnected) {
              slot.upfrontFloat.firstChild.setAttribute("aria-label", slot.firstElementChild.dataset.upfrontClose);
              d.body.appendChild(slot.upfrontFloat);
            }
            slot.classList.add("upfront-in");
            wire(slot, kind);
          }
          // Once the widget (and its closed form) is in
          if (kind === "estimate") estimateEvent(lastEstimate);
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

  // With consent, the variant travels with the order so conversions can be compared: a Shopify cart attribute,
  // or the BigCommerce cart's id sent to the app (a cart exists once something is in it).
  function tagCart(added) {
    if (!variant || !consent()) return;
    if (platform !== "shopify") {
      if (added || page === "cart")
        setTimeout(function () {
          fetch("/api/storefront/carts", { credentials: "same-origin" })
            .then(function (r) {
              return r.json();
            })
            .then(function (c) {
              var id = c[0] && c[0].id;
              if (once(id))
                navigator.sendBeacon(
                  base + "/cart-variant",
                  JSON.stringify({ consent: "analytics", cart_id: id, variant: variant })
                );
            })
            .catch(function () {});
        }, added && 2e3);
    } else if (once(variant))
      fetch(shopifyRoot() + "cart/update.js", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ attributes: { _upfront_variant: variant } }),
      }).catch(function () {});
  }

  // True the first time this session tags `value`.
  function once(value) {
    try {
      if (!value || sessionStorage.getItem("upfront_tagged") === value) return;
      sessionStorage.setItem("upfront_tagged", value);
    } catch (e) {}
    return 1;
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
    var wrap = floating(function () {
      wrap.remove();
    });
    wrap.append(slot);
    // Attached only once it has content: a box that grows would move
    slot.upfrontFloat = wrap;
    return slot;
  }

  // A box floating above the page (position: fixed, so nothing moves) with a close button.
  function floating(onclose) {
    var wrap = d.createElement("div");
    var close = d.createElement("button");
    wrap.className = "upfront-fixed";
    close.type = "button";
    close.className = "upfront-x";
    close.textContent = "×";
    close.onclick = onclose;
    wrap.append(close);
    return wrap;
  }

  function style() {
    if (d.getElementById("upfront-css")) return;
    var el = d.createElement("style");
    el.id = "upfront-css";
    el.textContent =
      // A fallback for themes that reserve nothing: zero specificity, so the theme's own reservation always wins
      // (and nothing moves when this sheet arrives). Text wraps, so a phone needs more height.
      ":where([data-upfront-slot=estimate]){min-height:var(--upfront-estimate-height,11rem)}" +
      ":where([data-upfront-slot=badges]){min-height:var(--upfront-badges-height,7.5rem)}" +
      "@media (max-width:48rem){" +
      ":where([data-upfront-slot=estimate]){min-height:var(--upfront-estimate-height-narrow,16rem)}" +
      ":where([data-upfront-placement=cart][data-upfront-slot=estimate]){min-height:var(--upfront-cart-estimate-height-narrow,18rem)}" +
      ":where([data-upfront-slot=badges]){min-height:var(--upfront-badges-height-narrow,13rem)}}" +
      ".upfront-w{--a:var(--upfront-accent,#1d5c96);box-sizing:border-box;contain:inline-size;margin:0;padding:.625rem .875rem;" +
      "font-size:var(--upfront-font-size,.9375rem);line-height:1.4;color:var(--upfront-text,inherit);" +
      "background:var(--upfront-bg,transparent);border:1px solid var(--upfront-border,rgba(0,0,0,.18));" +
      "border-radius:var(--upfront-radius,8px)}" +
      ".upfront-w *{box-sizing:border-box}.upfront-w p,.upfront-w ul,.upfront-w li{margin:0;padding:0;list-style:none}" +
      ".upfront-w p{display:block;font-size:inherit}" +
      ".upfront-t{font-weight:600}.upfront-w [hidden]{display:none}" +
      ".upfront-l{overflow-wrap:anywhere}.upfront-g{color:var(--upfront-success,inherit)}" +
      ".upfront-a,.upfront-x{font:inherit;color:var(--a);background:none;border:0;padding:0;cursor:pointer;text-decoration:underline}" +
      ".upfront-w :focus-visible,.upfront-x:focus-visible{outline:2px solid var(--a);outline-offset:2px}" +
      ".upfront-f{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-top:.5rem}.upfront-f label{display:grid}" +
      ".upfront-f select,.upfront-f input,.upfront-f textarea{font:inherit;padding:.25rem .375rem;border:1px solid #767676;border-radius:4px;" +
      "background:#fff;color:#111}.upfront-f button{font:inherit;padding:.3rem .75rem;border:0;border-radius:4px;" +
      "background:var(--a);color:var(--upfront-accent-text,#fff);cursor:pointer}" +
      ".upfront-r{display:grid;gap:.375rem}.upfront-r-footer{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}" +
      ".upfront-b{display:flex;gap:.5rem;align-items:flex-start;min-width:0}" +
      ".upfront-w .upfront-i{flex:none;width:20px;height:20px;margin:0;color:var(--a)}" +
      ".upfront-bd{font-size:.875em}.upfront-bd a{color:var(--a)}" +
      ".upfront-fixed{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));" +
      "background:var(--upfront-bg,#fff);border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2);max-height:calc(100vh - 2rem);overflow:auto}" +
      ".upfront-fixed .upfront-w{padding-right:2rem}.upfront-hf label{flex:1 1 100%}.upfront-hf .upfront-ck{display:flex;gap:.5rem}" +
      ".upfront-w details{margin:.25rem 0}.upfront-w summary{cursor:pointer;color:var(--a)}" +
      ".upfront-fixed [data-upfront-slot]{min-height:0}" +
      ".upfront-x{position:absolute;top:.25rem;right:.5rem;text-decoration:none;font-size:1.25rem;line-height:1}" +
      ".upfront-hp:not(.upfront-open){width:auto;max-width:min(20rem,calc(100vw - 2rem))}" +
      ".upfront-lc{font:inherit;font-weight:600;color:var(--a);background:none;border:0;padding:.625rem 2rem .625rem .875rem;" +
      "text-align:left;cursor:pointer}.upfront-bl,.upfront-tl{right:auto;left:1rem}.upfront-tr,.upfront-tl{bottom:auto;top:1rem}" +
      ".upfront-mr,.upfront-ml{bottom:auto;top:calc(50% - 1.375rem)}.upfront-ml{right:auto;left:1rem}" +
      ".upfront-c{border-radius:50%}.upfront-c .upfront-x{display:none}.upfront-c .upfront-lc{width:2.75rem;height:2.75rem;" +
      "padding:0;font-size:0;text-align:center}.upfront-c .upfront-lc:before{content:'?';font-size:1.25rem}" +
      ".upfront-in{animation:upfront-fade .2s ease-out}@keyframes upfront-fade{from{opacity:0}}" +
      "@media (prefers-reduced-motion:reduce){.upfront-in{animation:none}}";
    d.head.appendChild(el);
  }

  // The estimate as an event (the help prompt's shipping trigger listens): fetched as JSON only when something
  // listens, from the same cached answer the widget shows.
  function estimateEvent(p) {
    if (wantEstimate && p)
      fetch(base + "/estimate?" + p)
        .then(function (r) {
          return r.json();
        })
        .then(function (j) {
          var cost = Math.min.apply(
            0,
            j.options.map(function (o) {
              return o.cost === null ? Infinity : +o.cost;
            })
          );
          d.dispatchEvent(new CustomEvent("upfront:estimate", { detail: { status: j.status, cost: cost } }));
        })
        .catch(function () {});
  }

  // --- Help prompts (widgets/help): the first matching rule wins. Storage is for the caps only: upfront_hs in
  // sessionStorage, upfront_hl in localStorage only when the shop caps per N days.
  function keep(local, value) {
    try {
      var area = local ? localStorage : sessionStorage;
      var key = local ? "upfront_hl" : "upfront_hs";
      if (!value) return JSON.parse(area.getItem(key)) || {};
      area.setItem(key, JSON.stringify(value));
    } catch (e) {}
    return {};
  }

  function helpPage() {
    return page || (/\/polic/.test(location.pathname) ? "policy" : location.pathname === "/" ? "home" : "other");
  }

  function mobile() {
    return matchMedia("(pointer:coarse)").matches;
  }

  function policy(path, kind) {
    return (kind !== "returns" && /shipping/i.test(path)) || (kind !== "shipping" && /refund|return/i.test(path));
  }

  function helpStart() {
    if (/checkout/.test(page + location.pathname)) return;
    var s = keep();
    var views = (s.p = s.p || {});
    var path = location.pathname;
    if (s.r === undefined) s.r = returning;
    if (page === "product") views[path] = (views[path] || 0) + 1;
    keep(0, s);
    var country = saved().country || cfg.upfrontCountry || "";
    var p = new URLSearchParams({ locale: locale, bucket: bucket(), country: country });
    fetch(base + "/help/rules?" + p)
      .then(function (r) {
        return r.json();
      })
      .then(function (j) {
        if (!j.rules.length) return;
        help = j;
        setVariant(j.variant);
        j.rules.forEach(function (r) {
          var url = r.url && RegExp("^" + r.url.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$");
          if (
            (!r.pages || r.pages.indexOf(helpPage()) >= 0) &&
            (!url || url.test(path)) &&
            (!r.device || (r.device === "mobile") === mobile()) &&
            (!r.visitor || (r.visitor === "returning") === !!s.r)
          )
            arm(r, views[path]);
        });
      })
      .catch(function () {});
  }

  function arm(r, views) {
    var on = r.on;
    var timer;
    var mark = { y: 0, t: 0 };
    var go = function () {
      fire(r);
    };
    var listen = function (target, type, handler) {
      target.addEventListener(type, handler, { passive: true });
    };
    if (on === "time_on_page") setTimeout(go, r.s * 1e3);
    if (on === "idle") {
      var reset = function () {
        clearTimeout(timer);
        timer = setTimeout(go, r.s * 1e3);
      };
      ["mousemove", "keydown", "scroll", "touchstart", "click"].forEach(function (type) {
        listen(w, type, reset);
      });
      reset();
    }
    // Exit intent: the mouse leaving through the top; on a phone, a fast scroll back up (half a screen in 0.6 s).
    if (on === "exit_intent" && !mobile())
      listen(d, "mouseout", function (e) {
        if (!e.relatedTarget && e.clientY <= 0) go();
      });
    if (on === "exit_intent" && mobile())
      listen(w, "scroll", function () {
        var now = Date.now();
        if (mark.y - scrollY > innerHeight / 2 && now - mark.t < 600) go();
        if (scrollY > mark.y || now - mark.t > 600) mark = { y: scrollY, t: now };
      });
    if (on === "repeat_product" && views >= r.views) setTimeout(go, 3e3);
    if (on === "policy_open") {
      if (policy(location.pathname, r.policy)) go();
      listen(d, "click", function (e) {
        var a = e.target.closest && e.target.closest("a[href]");
        if (a && policy(a.pathname, r.policy)) go();
      });
    }
    if (on === "shipping_estimate") {
      listen(d, "upfront:estimate", function (e) {
        var x = e.detail;
        if ((r.unshipped && x.status === "not_shipped") || (r.above && x.cost > r.above && x.cost < Infinity)) go();
      });
      if (!wantEstimate++) estimateEvent(lastEstimate);
    }
  }

  function fire(r) {
    var caps = help.caps;
    var s = keep();
    var l = keep(1);
    var now = Date.now();
    var a = d.activeElement;
    if (box || s.x || s.n >= caps.session) return;
    if (now - (l.s || 0) < caps.days * 864e5 || now - (l.d || 0) < caps.dismiss * 864e5) return;
    // Never over the shopper's typing, nor over a dialog or form that is open.
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(a && a.tagName)) return;
    if (d.querySelector("dialog[open],[aria-modal=true],[data-upfront-form]:not([hidden])")) return;
    box = 1;
    var sub = cfg.upfrontSubtotal;
    (!r.cart_above && !r.cart_below ? Promise.resolve(0) : sub ? Promise.resolve({ total_price: sub * 100 }) : cart())
      .then(function (c) {
        var t = c && c.total_price / 100;
        if (c === null || (r.cart_above && t <= r.cart_above) || (r.cart_below && t >= r.cart_below)) throw 0;
        s.n = (s.n || 0) + 1;
        keep(0, s);
        if (caps.days) keep(1, ((l.s = now), l));
        seen.help = 1;
        track("help", "impression");
        if (help.variant !== "treatment") throw 0;
        return query({ dataset: {} }, "estimate");
      })
      .then(function (p) {
        p.set("rule", r.id);
        p.set("page", helpPage());
        return fetch(base + "/help/prompt?" + p);
      })
      .then(function (res) {
        return res.ok && res.text();
      })
      .then(function (html) {
        if (!html) throw 0;
        // First a small launcher in a free corner (announced once attached); the prompt opens on the shopper's
        // click, so nothing unasked-for ever covers the page.
        var panel = d.createElement("div");
        var open = d.createElement("button");
        box = floating(dismiss);
        box.className += " upfront-in upfront-hp";
        box.setAttribute("aria-live", "polite");
        panel.hidden = true;
        panel.innerHTML = html;
        // The close button in the prompt's language (the fragment carries the word).
        box.firstChild.setAttribute("aria-label", panel.firstElementChild.dataset.upfrontClose);
        open.type = "button";
        open.className = "upfront-lc";
        open.textContent = panel.querySelector(".upfront-t").textContent;
        // The round form shows only "?"
        open.setAttribute("aria-label", open.textContent);
        open.onclick = function () {
          var section = panel.firstElementChild;
          // Opened: the usual corner
          box.className = box.className.replace(SPOTS, "") + " upfront-open";
          // The prompt's own heading says the same
          open.hidden = true;
          panel.hidden = false;
          box.style.visibility = "";
          section.tabIndex = -1;
          section.focus();
        };
        d.body.appendChild(box);
        box.append(open, panel);
        place();
        box.onkeydown = function (e) {
          if (e.key === "Escape") dismiss();
        };
        box.onclick = function (e) {
          if (e.target.closest("[data-upfront-escalate]")) beacon("escalated");
          else if (e.target.closest("summary,a")) track("help", "interaction");
        };
        box.onsubmit = function (e) {
          e.preventDefault();
          send(e.target, r);
        };
      })
      .catch(function () {
        if (box === 1) box = null;
      });
  }

  // The launcher takes the first corner where it covers no widget, no buy or checkout button and no navigation,
  // else the first such corner or side as a small round button (a page's margin often has room for it); where
  // none is free, it stays out of sight until the shopper scrolls.
  function place() {
    if (!box || !box.append || /upfront-open/.test(box.className)) return;
    var base = box.className.replace(SPOTS, "");
    box.style.visibility = "";
    var spots = ["", " upfront-bl", " upfront-tr", " upfront-tl", " upfront-mr", " upfront-ml"];
    for (var i = 0; i < 10; i++) {
      box.className = base + (i > 3 ? " upfront-c" + spots[i - 4] : spots[i]);
      if (!covers(box.getBoundingClientRect())) return;
    }
    box.style.visibility = "hidden";
  }

  function covers(r) {
    var guarded = d.querySelectorAll(
      "[data-upfront-widget],[data-cart-item-add] [type=submit],form[action*='/cart/add'] [type=submit]," +
        "[name=checkout],a[href*=checkout],header a,nav a"
    );
    return [].some.call(guarded, function (el) {
      var o = el.getBoundingClientRect();
      return o.width && o.left < r.right && o.right > r.left && o.top < r.bottom && o.bottom > r.top;
    });
  }

  function dismiss() {
    var s = keep();
    var l = keep(1);
    keep(0, ((s.x = 1), s));
    if (help.caps.dismiss) keep(1, ((l.d = Date.now()), l));
    if (!box.sent) beacon("dismissed");
    box.remove();
    box = null;
  }

  function send(f, r) {
    var q = f.elements;
    var out = f.querySelector("[role=status]");
    var body = {
      email: q.email.value.trim(),
      question: q.question.value,
      website: q.website.value,
      page: location.pathname,
      rule: r.id,
      locale: locale,
      cart_consent: !!(q.cart_consent && q.cart_consent.checked),
    };
    (body.cart_consent ? cart() : Promise.resolve())
      .then(function (c) {
        if (c)
          body.cart = {
            total: (c.total_price / 100).toFixed(2),
            currency: c.currency,
            lines: c.items.map(function (i) {
              var title = i.product_title || i.title || i.handle;
              return { title: title, quantity: i.quantity, price: (i.price / 100).toFixed(2) };
            }),
          };
        return fetch(base + "/help/requests", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      })
      .then(function (res) {
        return res.json().then(function (j) {
          out.textContent = j.message || j.error;
          if (!res.ok) return q[j.field] && q[j.field].focus();
          box.sent = 1;
          beacon("request_sent");
          f.replaceChildren(out);
          out.tabIndex = -1;
          out.focus();
        });
      })
      .catch(function () {});
  }

  // The three help outcomes the shared /events vocabulary has no word for; the same consent rule.
  function beacon(type) {
    var events = [{ widget: "help", variant: variant, type: type }];
    if (variant && consent() && navigator.sendBeacon)
      navigator.sendBeacon(base + "/help/events", JSON.stringify({ consent: "analytics", events: events }));
  }

  // Structured data (widgets/structured_data): the shop's shipping and return facts go into the theme's own
  // Product JSON-LD, on its offers, rewritten in place, so search engines see one Product, never a second. Markup
  // the theme already has wins. A page with no Product gets the store's return policy alone; never a price.
  function structured() {
    var found = [];
    var offers = [];
    var products = [];
    var asked = {};
    function walk(n) {
      if (n && typeof n == "object") {
        var type = " " + [].concat(n["@type"]).join(" ") + " ";
        // "Product", "schema:Product" or its IRI
        if (/[ /:]Product(Group)? /.test(type)) products.push(n);
        if (/[ /:]Offer /.test(type)) offers.push(n);
        for (var k in n) walk(n[k]);
      }
      return n;
    }
    function ask(o) {
      var q = new URLSearchParams(o ? { price: o.price, currency: o.priceCurrency } : {});
      // The app embed names the page's product: its delivery profile's rates are the ones to state.
      if (o && cfg.upfrontItems) q.set("items", cfg.upfrontItems);
      return (asked[q] = asked[q] || fetch(base + "/structured-data?" + q).then(function (r) {
        return r.json();
      }));
    }
    function add(n, more) {
      for (var k in more) if (!(k in n)) n[k] = more[k];
    }
    d.querySelectorAll('script[type="application/ld+json"]').forEach(function (el) {
      try {
        found.push([el, walk(JSON.parse(el.textContent))]);
      } catch (e) {}
    });
    return Promise.all(
      offers.length
        ? offers.map(function (o) {
            return ask(o).then(function (j) {
              add(o, j.offer);
            });
          })
        : [
            ask().then(function (j) {
              products.forEach(function (n) {
                add(n, j.offer);
              });
              if (!products.length && j.store) {
                var el = d.createElement("script");
                el.type = "application/ld+json";
                d.head.appendChild(el);
                found.push([el, j.store]);
              }
            }),
          ]
    )
      .then(function () {
        found.forEach(function (f) {
          f[0].textContent = JSON.stringify(f[1]);
        });
      })
      .catch(function () {});
  }

  function start() {
    style();
    var own = autoSlot();
    var slots = Array.prototype.slice.call(d.querySelectorAll("[data-upfront-slot]"));
    if (own) slots.push(own);
    if (!help) helpStart();
    if (page === "product" && !structured.done) structured.done = structured();
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
        tagCart(1);
      }
    },
    true
  );
  addEventListener("pagehide", flush);
  ["scroll", "resize"].forEach(function (type) {
    addEventListener(type, function () {
      if (box && box.append) requestAnimationFrame(place);
    }, { passive: true });
  });
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") flush();
  });
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})(window, document);
