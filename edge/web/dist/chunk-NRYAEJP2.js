import{d as a,e as b,f as c}from"./chunk-HV6TXB2P.js";import"./chunk-PRIGCBRH.js";import"./chunk-U53FOICO.js";import"./chunk-GNZR4XML.js";export{c as Vod,a as clock,b as vodHref};
