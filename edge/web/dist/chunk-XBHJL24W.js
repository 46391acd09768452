import{d as a,e as b,f as c}from"./chunk-A54AH6QS.js";import"./chunk-OCXRBWPO.js";import"./chunk-W3KLV5JG.js";import"./chunk-NIVEDZJ6.js";export{c as Vod,a as clock,b as vodHref};
