/* Upfront storefront loader: reads the shop context from its own tag, checks the app proxy answers,
   then announces itself. Widgets listen for "upfront:ready"; nothing here blocks rendering. */
(function () {
  var tag = document.currentScript;
  if (!tag || window.Upfront) return;
  var data = tag.dataset;
  var proxy = (data.upfrontProxy || "/apps/upfront").replace(/\/$/, "");
  var context = {
    shop: data.upfrontShop || "",
    country: data.upfrontCountry || "",
    locale: data.upfrontLocale || document.documentElement.lang || "en",
    proxy: proxy,
    customerId: null,
  };
  window.Upfront = context;
  context.ready = fetch(proxy + "/ping", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("Upfront proxy answered " + response.status);
      return response.json();
    })
    .then(function (answer) {
      context.customerId = answer.logged_in_customer_id;
      document.dispatchEvent(new CustomEvent("upfront:ready", { detail: context }));
      return context;
    })
    .catch(function (error) {
      if (window.console) console.warn("Upfront is unavailable:", error.message);
      return null;
    });
})();
