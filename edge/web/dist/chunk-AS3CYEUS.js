var t;function i(n){let e=document.getElementById("notice");e&&(e.textContent=n,e.hidden=!1,clearTimeout(t),t=setTimeout(()=>e.hidden=!0,6e3))}export{i as a};
