import{d as a,e as b,f as c}from"./chunk-UIZGK5DD.js";import"./chunk-7P3RKYWS.js";import"./chunk-SVO4B5FX.js";import"./chunk-C5RK2WI6.js";export{c as Vod,a as clock,b as vodHref};
