import { createContext, useContext } from 'react';

/** Lets node components open the details drawer (click or Enter/Space) without prop drilling. */
export const GraphActions = createContext<{ open: (id: string) => void }>({ open: () => {} });
export const useGraphActions = () => useContext(GraphActions);
