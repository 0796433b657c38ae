import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createClient } from './lib/api';

mount(App, { target: document.getElementById('app')!, props: { client: createClient() } });
