// Citadel passkeys: the browser half of the WebAuthn ceremonies.
//
// Served from the site's own origin (CSP script-src 'self'); no inline
// script is needed. Mark a form up like this:
//
//   <form method="post" action="/account/passkeys/finish"
//         data-passkey="register"            (or "login" or "sign")
//         data-options="{...options JSON...}" (or data-options-url="/...")>
//     <input type="hidden" name="csrf" value="...">
//     <input type="hidden" name="state" value="...">   (optional)
//     <input type="hidden" name="response">
//     <input name="name">                              (register: the label)
//     <p data-passkey-error hidden></p>
//     <button>Use passkey</button>
//   </form>
//
// On submit the script reads the options (from data-options, or by POSTing
// the form's csrf field to data-options-url, which answers JSON
// {"options": {...}, "state": "..."}), decodes the base64url fields, calls
// navigator.credentials.create or .get, encodes the credential as JSON into
// the "response" field and submits the form as an ordinary POST, csrf
// field included, so the server answers with a redirect as for any form.
(function () {
  "use strict";

  function b64urlToBuffer(s) {
    s = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function bufferToB64url(buf) {
    if (!buf) {
      return null;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeDescriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: d.type, id: b64urlToBuffer(d.id) };
      if (d.transports) {
        out.transports = d.transports;
      }
      return out;
    });
  }

  // creationOptions turns the server's JSON into PublicKeyCredentialCreationOptions.
  function creationOptions(opts) {
    var pk = Object.assign({}, opts.publicKey);
    pk.challenge = b64urlToBuffer(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: b64urlToBuffer(pk.user.id) });
    pk.excludeCredentials = decodeDescriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  // requestOptions turns the server's JSON into PublicKeyCredentialRequestOptions.
  function requestOptions(opts) {
    var pk = Object.assign({}, opts.publicKey);
    pk.challenge = b64urlToBuffer(pk.challenge);
    pk.allowCredentials = decodeDescriptors(pk.allowCredentials);
    var out = { publicKey: pk };
    if (opts.mediation) {
      out.mediation = opts.mediation;
    }
    return out;
  }

  // credentialJSON encodes a PublicKeyCredential the way the server parses it.
  function credentialJSON(cred) {
    var r = cred.response;
    var resp = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      resp.attestationObject = bufferToB64url(r.attestationObject);
      if (typeof r.getTransports === "function") {
        resp.transports = r.getTransports();
      }
    } else {
      resp.authenticatorData = bufferToB64url(r.authenticatorData);
      resp.signature = bufferToB64url(r.signature);
      if (r.userHandle) {
        resp.userHandle = bufferToB64url(r.userHandle);
      }
    }
    var out = {
      id: cred.id,
      rawId: bufferToB64url(cred.rawId),
      type: cred.type,
      response: resp,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
    if (cred.authenticatorAttachment) {
      out.authenticatorAttachment = cred.authenticatorAttachment;
    }
    return JSON.stringify(out);
  }

  function field(form, name) {
    var el = form.querySelector('input[name="' + name + '"]');
    if (!el) {
      el = document.createElement("input");
      el.type = "hidden";
      el.name = name;
      form.appendChild(el);
    }
    return el;
  }

  // loadOptions reads the options from data-options or fetches them.
  function loadOptions(form) {
    if (form.dataset.options) {
      return Promise.resolve(JSON.parse(form.dataset.options));
    }
    var body = new URLSearchParams();
    body.set("csrf", field(form, "csrf").value);
    return fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: body
    }).then(function (res) {
      if (!res.ok) {
        throw new Error("the server refused to start (" + res.status + ")");
      }
      return res.json();
    }).then(function (data) {
      if (data.state) {
        field(form, "state").value = data.state;
      }
      return data.options;
    });
  }

  function showError(form, err) {
    var el = form.querySelector("[data-passkey-error]");
    var msg = "The passkey could not be used. Please try again.";
    if (err && err.name === "NotAllowedError") {
      msg = "The passkey request was cancelled or timed out.";
    }
    if (el) {
      el.textContent = msg;
      el.hidden = false;
    }
  }

  function ceremony(form) {
    var kind = form.dataset.passkey;
    return loadOptions(form).then(function (opts) {
      if (kind === "register") {
        return navigator.credentials.create(creationOptions(opts));
      }
      return navigator.credentials.get(requestOptions(opts));
    }).then(function (cred) {
      if (!cred) {
        throw new Error("no credential");
      }
      field(form, "response").value = credentialJSON(cred);
      form.dataset.passkeyDone = "1";
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  function onSubmit(ev) {
    var form = ev.target;
    if (!form.dataset || !form.dataset.passkey || form.dataset.passkeyDone) {
      return;
    }
    ev.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(form, null);
      return;
    }
    ceremony(form).catch(function (err) {
      showError(form, err);
    });
  }

  document.addEventListener("submit", onSubmit);

  window.CitadelPasskey = {
    b64urlToBuffer: b64urlToBuffer,
    bufferToB64url: bufferToB64url,
    creationOptions: creationOptions,
    requestOptions: requestOptions,
    credentialJSON: credentialJSON,
    ceremony: ceremony
  };
})();
