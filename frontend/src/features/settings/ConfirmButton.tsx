import { Button, Group, Modal, Text, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';

interface Props extends Omit<ButtonProps, 'onClick'> {
  /** the button's label, also the confirm button's */
  children: ReactNode;
  title: string;
  message: ReactNode;
  onConfirm: () => void;
  'aria-label'?: string;
}

/** A button that asks first: for actions that cannot be undone (rotate, remove, revoke). */
export function ConfirmButton({ children, title, message, onConfirm, color = 'red', 'aria-label': ariaLabel, ...button }: Props) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button mih={44} color={color} aria-label={ariaLabel} {...button} onClick={() => setOpen(true)}>{children}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Text size="sm">{message}</Text>
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button mih={44} variant="default" onClick={() => setOpen(false)}>Cancel</Button>
          <Button mih={44} color={color} data-autofocus onClick={() => { setOpen(false); onConfirm(); }}>{children}</Button>
        </Group>
      </Modal>
    </>
  );
}
